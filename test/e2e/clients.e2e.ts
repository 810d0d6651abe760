/**
 * `npm run test:e2e` (issue 4): real container clients against a real registry behind the AppView
 * emulator. One test per scenario of scenarios.ts, in order, on one rig (the first scenarios log alice
 * and bob in for the rest). Needs a build (`npm test` has built; alone, run `npm run build` first).
 *
 * The clients come from Debian's packages, installed only in CI or with ATCR_E2E_INSTALL=1 (tools.ts):
 * otherwise the scenarios whose clients are missing are skipped together, on one line that names the
 * command installing them.
 */
import {after, before, describe, test} from 'node:test'

import {notBuiltReason} from '../support/built.ts'
import {killRunning} from './processes.ts'
import {Rig} from './rig.ts'
import {type ScenarioContext, scenarios} from './scenarios.ts'
import {INSTALL_COMMAND, prepareTools, type Tool} from './tools.ts'

const notBuilt = notBuiltReason()
if (notBuilt !== undefined) throw new Error(notBuilt)

const tools = await prepareTools()
const runnable = scenarios.filter((scenario) => scenario.needs.every((tool) => tools.available.has(tool)))
const missing = [...new Set(scenarios.flatMap((scenario) => scenario.needs))].filter(
  (tool): tool is Tool => !tools.available.has(tool),
)

describe('e2e: real clients against a real registry', {concurrency: 1}, () => {
  let rig: Rig | undefined
  let context: ScenarioContext | undefined
  const stop = async () => {
    await killRunning()
    await rig?.close()
  }
  before(async (t) => {
    if (runnable.length === 0) return
    t.diagnostic(`e2e clients: ${tools.installNote}`)
    rig = new Rig()
    await rig.start()
    context = {rig, main: rig.makeHome('main')}
  })
  after(stop)
  // Ctrl-C or the runner's SIGTERM: the registry and the emulator are this process's to stop.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stop().then(() => process.exit(130)))
  }

  for (const scenario of runnable) {
    test(scenario.name, async (t) => {
      const note = await scenario.run(context!)
      if (note) t.diagnostic(note)
    })
  }
})

if (missing.length > 0) {
  const skipped = scenarios.length - runnable.length
  const why = missing.map((tool) => tools.missing.get(tool)).join('; ')
  describe(`${skipped} e2e scenarios skipped: ${why}`, {skip: `install with ${INSTALL_COMMAND}`}, () => {})
}
