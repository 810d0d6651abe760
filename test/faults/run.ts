/**
 * `npm run test:faults`: the reliability suite (issue 6). Spawns the built CLI (run `npm run build`
 * first; the npm script does) against temporary homes, prints one line per case, a table of figures,
 * and ends with exactly one line `N passed, N failed`. Exit code 1 when anything failed.
 *
 * Usage: node test/faults/run.ts [--only <substring>] [--list]
 */
import {existsSync} from 'node:fs'

import {registerAccountFileCases} from './account-files.ts'
import {registerAppViewFaultCases, registerModeWarningCases} from './appview-faults.ts'
import {registerBadInputCases} from './bad-input.ts'
import {registerConcurrencyCases} from './concurrency.ts'
import {registerCrashCases} from './crash-safety.ts'
import {registerDiskCases} from './disk.ts'
import {allFigures, BIN_RUN, type Case, cases, cleanupHomes, pool, ROOT, setFigure} from './harness.ts'
import {registerHostileCases} from './hostile.ts'
import {registerLoginInterruptCases} from './login-interrupt.ts'
import {registerModeCases} from './modes.ts'
import {registerPropertyCases} from './properties.ts'
import {registerSecretScan} from './secrets.ts'

const PARALLEL = 2

registerBadInputCases()
registerAccountFileCases()
registerModeCases()
registerDiskCases()
registerConcurrencyCases()
registerCrashCases()
registerPropertyCases()
registerAppViewFaultCases()
registerLoginInterruptCases()
registerModeWarningCases()
registerHostileCases()
// Must stay last: it scans what every other case printed.
registerSecretScan()

const args = process.argv.slice(2)
const onlyIndex = args.indexOf('--only')
const only = onlyIndex === -1 ? undefined : args[onlyIndex + 1]
if (args.includes('--list')) {
  for (const item of cases) console.log(`${item.category} › ${item.name}`)
  process.exit(0)
}
if (!existsSync(`${ROOT}/dist/entry.js`)) {
  console.log(`dist/ is missing: run "npm run build" first (${BIN_RUN} loads dist)`)
  console.log('0 passed, 1 failed')
  process.exit(1)
}

const selected = cases.filter(
  (item) =>
    only === undefined || `${item.category} › ${item.name}`.includes(only) || item.category === 'secrets',
)
const failures: {item: Case; error: unknown}[] = []
let passed = 0
const perCategory = new Map<string, {run: number; failed: number}>()
const started = performance.now()

async function runOne(item: Case): Promise<void> {
  const t0 = performance.now()
  let error: unknown
  try {
    await item.run()
  } catch (caught) {
    error = caught
  }
  const ms = Math.round(performance.now() - t0)
  const tally = perCategory.get(item.category) ?? {run: 0, failed: 0}
  tally.run++
  if (error === undefined) {
    passed++
    console.log(`ok    ${item.category} › ${item.name} (${ms} ms)`)
  } else {
    tally.failed++
    failures.push({item, error})
    const message = (error as Error)?.message ?? String(error)
    console.log(
      `FAIL  ${item.category} › ${item.name} (${ms} ms)\n      ${message.replaceAll('\n', '\n      ')}`,
    )
  }
  perCategory.set(item.category, tally)
}

// Light cases two at a time; heavy or timing-sensitive ones alone, in registration order.
let batch: Case[] = []
const flush = async () => {
  await pool(batch, PARALLEL, runOne)
  batch = []
}
for (const item of selected) {
  if (item.exclusive) {
    await flush()
    await runOne(item)
  } else {
    batch.push(item)
  }
}
await flush()
cleanupHomes()

setFigure('suite wall time (s)', Math.round((performance.now() - started) / 100) / 10)
const failed = failures.length

console.log('\n## Cases by category\n')
console.log('| category | cases | failed |')
console.log('|---|---:|---:|')
for (const [category, {run, failed: categoryFailed}] of perCategory) {
  console.log(`| ${category} | ${run} | ${categoryFailed} |`)
}
console.log('\n## Figures\n')
console.log('| figure | value |')
console.log('|---|---:|')
for (const [name, value] of [...allFigures()].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`| ${name} | ${value} |`)
}
if (failed > 0) {
  console.log('\n## Failures\n')
  for (const {item, error} of failures)
    console.log(`- ${item.category} › ${item.name}: ${(error as Error)?.message ?? error}`)
}
console.log('')
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed > 0 ? 1 : 0
