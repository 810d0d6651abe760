/**
 * `npm run test:e2e`: real container clients against a real registry behind the AppView emulator
 * (issue 4). Installs what it needs from Debian's packages when missing, builds the helper, starts and
 * stops its own servers, removes its temp dirs, and prints one PASS/FAIL/SKIP line per scenario and the
 * closing line `N passed, N failed`. Exit 1 when anything failed.
 *
 *   node test/e2e/run.ts [name-filter]      ATCR_E2E_INSTALL=0 skips the install step,
 *                                           ATCR_E2E_BUILD=0 the build (npm test has built already)
 */
import {describeRun, killRunning, run} from './processes.ts'
import {REPO, Rig} from './rig.ts'
import {type ScenarioContext, scenarios} from './scenarios.ts'
import {prepareTools} from './tools.ts'

type Outcome = 'PASS' | 'FAIL' | 'SKIP'

const say = (line: string) => process.stdout.write(`${line}\n`)
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`
const indent = (text: string) => text.replace(/^/gm, '      ')

async function main(): Promise<number> {
  const filter = process.argv[2]?.toLowerCase()
  const selected = scenarios.filter((scenario) => !filter || scenario.name.toLowerCase().includes(filter))
  const counts: Record<Outcome, number> = {PASS: 0, FAIL: 0, SKIP: 0}
  const report = (outcome: Outcome, name: string, detail = '') => {
    counts[outcome] += 1
    say(`${outcome}  ${name}${detail && outcome !== 'FAIL' ? `  (${detail})` : ''}`)
    if (outcome === 'FAIL' && detail) say(indent(detail))
  }

  const tools = await prepareTools()
  say(`e2e: ${tools.installNote}`)
  for (const [tool, reason] of tools.missing) say(`e2e: ${tool} unavailable: ${reason}`)

  // `npm test` has built once already and says so with ATCR_E2E_BUILD=0; run alone, the suite builds.
  if (process.env.ATCR_E2E_BUILD !== '0') {
    const build = await run('npm', ['run', 'build'], {env: process.env, cwd: REPO, timeoutMs: 300_000})
    if (build.code !== 0) {
      report('FAIL', 'npm run build', describeRun(build))
      return finish(counts)
    }
  }

  let rig: Rig | undefined
  let interrupted = false
  const stop = async () => {
    await killRunning()
    await rig?.close()
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true
      say(`e2e: ${signal}: stopping servers and removing temp dirs`)
      void stop().then(() => process.exit(130))
    })
  }

  try {
    let context: ScenarioContext | undefined
    let rigError: string | undefined
    if (tools.available.has('registry')) {
      try {
        rig = new Rig()
        await rig.start()
        context = {rig, main: rig.makeHome('main')}
        say(`e2e: AppView emulator and registry on ${rig.host} (registry itself at ${rig.registry.url})`)
      } catch (error) {
        rigError = (error as Error).stack ?? String(error)
        report('FAIL', 'start the AppView emulator and docker-registry', rigError)
      }
    }

    for (const scenario of selected) {
      const missing = scenario.needs.filter((tool) => !tools.available.has(tool))
      if (missing.length > 0) {
        report('SKIP', scenario.name, missing.map((tool) => tools.missing.get(tool)).join('; '))
        continue
      }
      if (!context) {
        report('FAIL', scenario.name, 'the rig did not start (see above)')
        continue
      }
      const started = Date.now()
      try {
        const note = await scenario.run(context)
        report('PASS', scenario.name, [seconds(started), note].filter(Boolean).join('; '))
      } catch (error) {
        if (interrupted) break
        report('FAIL', scenario.name, `${(error as Error).message ?? String(error)}`)
      }
    }
  } finally {
    await stop()
  }
  return finish(counts)
}

function finish(counts: Record<Outcome, number>): number {
  if (counts.SKIP > 0) say(`skipped: ${counts.SKIP} (a client could not be installed; see SKIP lines)`)
  say(`${counts.PASS} passed, ${counts.FAIL} failed`)
  return counts.FAIL > 0 ? 1 : 0
}

process.exitCode = await main()
