/**
 * The property-based tests (test/unit/*.property.test.ts, also run by `npm test`) counted here: the
 * files run once under node's test runner with the TAP reporter (more generated runs than under
 * `npm test`), and every `test(...)` in them is one case of this suite.
 */
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {addCase, ROOT, runProcess, setFigure} from './harness.ts'

const RUNS = 1000

export function registerPropertyCases(): void {
  const files = readdirSync(path.join(ROOT, 'test', 'unit'))
    .filter((name) => name.endsWith('.property.test.ts'))
    .map((name) => path.join('test', 'unit', name))
  let results: Promise<Map<string, string | undefined>> | undefined
  const runAll = () =>
    (results ??= runProcess(process.execPath, ['--test', '--test-reporter=tap', ...files], {
      env: {...process.env, ATCR_PROPERTY_RUNS: String(RUNS)},
      label: 'property tests',
      timeoutMs: 240_000,
    }).then((result) => {
      // TAP: "ok 3 - name" / "not ok 3 - name" at the top level, failure details indented below.
      const outcome = new Map<string, string | undefined>()
      const lines = result.stdout.split('\n')
      lines.forEach((line, index) => {
        const match = /^(not )?ok \d+ - (.*)$/.exec(line)
        if (!match) return
        outcome.set(match[2]!.trim(), match[1] ? lines.slice(index + 1, index + 30).join('\n') : undefined)
      })
      if (outcome.size === 0)
        outcome.set('', `no test ran: exit ${result.code}\n${result.stderr}`.slice(0, 2000))
      return outcome
    }))
  setFigure('property tests: generated inputs per property (at least)', RUNS)
  let count = 0
  for (const file of files) {
    const names = [
      ...readFileSync(path.join(ROOT, file), 'utf8').matchAll(/^test\(\s*'((?:[^'\\]|\\.)*)'/gm),
    ].map((match) => match[1]!.replaceAll("\\'", "'"))
    count += names.length
    for (const name of names) {
      addCase(`property-based: ${path.basename(file, '.property.test.ts')}`, name, async () => {
        const outcome = await runAll()
        if (!outcome.has(name)) {
          throw new Error(`did not run (runner said: ${[...outcome.values()].find(Boolean) ?? 'nothing'})`)
        }
        const error = outcome.get(name)
        if (error !== undefined) throw new Error(error)
      })
    }
  }
  setFigure('property tests: properties', count)
}
