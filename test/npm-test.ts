/**
 * `npm test`, after `npm run build`: the checks in two lanes at once, each step an npm script run as it is.
 *
 *   lane 1: test:unit → test:faults                    (each keeps both cores busy)
 *   lane 2: lint → test:e2e → test:release              (mostly one process at a time)
 *
 * One after the other, lane 2 left a core idle for about three minutes (the release suite packs, downloads
 * and unpacks 57 MB tarballs, one process at a time); beside lane 1 it uses that core. Lane 1 prints as it
 * goes; lane 2's output is held and printed after it, so the two never interleave. A lane stops at its
 * first failing step, the other lane runs on; the exit code is 1 when any step failed. The last lines give
 * each step's time and result, and the load average at the start.
 *
 * Not a test runner: every suite runs under node:test exactly as `npm run test:<suite>` runs it alone.
 */
import {spawn} from 'node:child_process'
import {loadavg} from 'node:os'
import path from 'node:path'

import {REPO} from './support/cli.ts'

interface Step {
  script: string
  env?: NodeJS.ProcessEnv
}
interface Outcome {
  script: string
  seconds: number
  result: 'passed' | 'FAILED' | 'not run'
}

const LANES: Step[][] = [
  [{script: 'test:unit'}, {script: 'test:faults'}],
  // npm test has built: the release suite does not build again.
  [{script: 'lint'}, {script: 'test:e2e'}, {script: 'test:release', env: {ATCR_E2E_BUILD: '0'}}],
]

/**
 * Node.js's compile cache for the test processes and what they run with this environment (npm, oclif, the
 * release script): every test file imports the same sources and libraries, and without a cache each of
 * ~110 processes compiles them again. The CLI under test gets its own environment and cache, as a user's.
 */
const COMPILE_CACHE = {NODE_COMPILE_CACHE: path.join(REPO, 'tmp', 'compile-cache')}

function runScript(step: Step, write: (chunk: Buffer) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', step.script], {
      env: {...process.env, ...COMPILE_CACHE, ...step.env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout.on('data', write)
    child.stderr.on('data', write)
    child.on('error', (error) => {
      write(Buffer.from(`npm run ${step.script}: ${error.message}\n`))
      resolve(false)
    })
    child.on('close', (code) => resolve(code === 0))
  })
}

async function runLane(steps: Step[], write: (chunk: Buffer) => void): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  let failed = false
  for (const step of steps) {
    if (failed) {
      outcomes.push({script: step.script, seconds: 0, result: 'not run'})
      continue
    }
    const started = performance.now()
    const passed = await runScript(step, write)
    failed = !passed
    const seconds = Math.round((performance.now() - started) / 100) / 10
    outcomes.push({script: step.script, seconds, result: passed ? 'passed' : 'FAILED'})
  }
  return outcomes
}

const load = loadavg()[0]!.toFixed(1)
const started = performance.now()
const held: Buffer[] = []
const [first, second] = await Promise.all([
  runLane(LANES[0]!, (chunk) => process.stdout.write(chunk)),
  runLane(LANES[1]!, (chunk) => held.push(chunk)),
])
for (const chunk of held) process.stdout.write(chunk)

const outcomes = [...first!, ...second!]
const wall = Math.round((performance.now() - started) / 1000)
console.log(`\nnpm test, two lanes (load average ${load} at the start): ${wall} s`)
for (const [lane, lineOutcomes] of [first!, second!].entries())
  for (const {script, seconds, result} of lineOutcomes)
    console.log(`  lane ${lane + 1}  ${script.padEnd(13)} ${result.padEnd(7)} ${seconds} s`)
if (outcomes.some(({result}) => result !== 'passed')) process.exitCode = 1
