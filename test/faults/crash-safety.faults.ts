/**
 * Crash safety: writers killed with SIGKILL at random points, hundreds of times. After every kill the
 * file parses and is byte for byte one complete version (never partial, never older than before), and
 * a lock left by the killed writer does not hold up the next one for long.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {test} from 'node:test'

import {type AccountFile, emptyAccountFile} from '../../src/lib/config/account-file.ts'
import {serializeAccountFile} from '../../src/lib/config/account-store.ts'
import {crashStep} from './crash-writer.mjs'
import {
  addFigure,
  type Home,
  maxFigure,
  newHome,
  newSecret,
  ROOT,
  runCli,
  setFigure,
  writeAccountFile,
} from './harness.ts'
import {testNoSecretLeaked} from './secrets.ts'

const KILLS_PER_LANE = 125
const LANES = 2
const CLI_KILLS = 60

/** The exact bytes of every version the writer produces, built on demand. */
const versions: string[] = []
let builder: AccountFile = emptyAccountFile()
function versionBytes(counter: number): string {
  while (versions.length <= counter) {
    if (versions.length > 0) crashStep(builder)
    versions.push(versions.length === 0 ? '' : serializeAccountFile(builder))
  }
  return versions[counter]!
}
// Version 0 is "no file yet"; version n (n ≥ 1) is the file after n steps.
builder = emptyAccountFile()

interface KillOutcome {
  firstWriteMs: number
  lockLeft: boolean
}

interface Writer {
  /** Tell it to start, kill it `delayMs` after its first complete write, and report. */
  goAndKill: (delayMs: number) => Promise<KillOutcome>
}

/** Start a writer process that waits for "go": Node's start-up then overlaps the previous writer's run. */
function startWriter(home: Home): Writer {
  const child = spawn(process.execPath, [path.join(ROOT, 'test', 'faults', 'crash-writer.mjs')], {
    env: {...home.env, NODE_COMPILE_CACHE: path.join(home.root, 'compile-cache')},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  child.stdin.on('error', () => {})
  const closed = new Promise<NodeJS.Signals | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (_code, signal) => resolve(signal))
  })
  return {
    goAndKill: (delayMs) =>
      new Promise((resolve, reject) => {
        let firstWriteMs = Number.NaN
        const guard = setTimeout(() => child.kill('SIGKILL'), 30_000)
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          const match = /ready ([\d.]+)/.exec(out)
          if (match && Number.isNaN(firstWriteMs)) {
            firstWriteMs = Number(match[1])
            setTimeout(() => child.kill('SIGKILL'), delayMs)
          }
        })
        child.stdin.write('go\n')
        closed.then((signal) => {
          clearTimeout(guard)
          if (signal !== 'SIGKILL' || Number.isNaN(firstWriteMs)) {
            reject(
              new Error(`writer ended by ${signal ?? 'itself'} before it was killed: ${err.slice(0, 500)}`),
            )
            return
          }
          resolve({firstWriteMs, lockLeft: existsSync(`${home.file}.lock`)})
        }, reject)
      }),
  }
}

function checkComplete(home: Home, previous: number, what: string): number {
  const text = readFileSync(home.file, 'utf8')
  let parsed: {counter?: unknown}
  try {
    parsed = JSON.parse(text) as {counter?: unknown}
  } catch (error) {
    throw new Error(`${what}: the file does not parse (${(error as Error).message}); ${text.length} bytes`, {
      cause: error,
    })
  }
  const counter = parsed.counter
  assert.ok(typeof counter === 'number' && Number.isInteger(counter), `${what}: no counter in the file`)
  assert.ok(counter >= previous, `${what}: the file went back from version ${previous} to ${counter}`)
  assert.ok(text === versionBytes(counter), `${what}: the file is not exactly version ${counter}`)
  return counter
}

async function lane(lane: number): Promise<void> {
  const home = newHome(`atcr-crash-${lane}-`)
  let counter = 0
  let next = startWriter(home)
  for (let i = 0; i < KILLS_PER_LANE; i++) {
    const current = next
    if (i + 1 < KILLS_PER_LANE) next = startWriter(home)
    const outcome = await current.goAndKill(Math.random() * 25)
    addFigure('crash: writers killed with SIGKILL')
    if (outcome.lockLeft) addFigure('crash: kills that left the lock behind')
    if (i > 0)
      maxFigure(
        'crash: longest first write after a kill, lock wait included (ms)',
        Math.round(outcome.firstWriteMs),
      )
    counter = checkComplete(home, counter, `kill ${i} in lane ${lane}`)
  }
  maxFigure('crash: versions written per lane', counter)
  const temporaries = readdirSync(home.dir).filter((name) => /\.(tmp|new|stale)$/.test(name)).length
  maxFigure('crash: temporary files left by killed writers (per lane)', temporaries)
}

/** A real `store` killed at a random instant: the file is the old one or the old one plus the account. */
async function killCliStores(): Promise<void> {
  const home = newHome('atcr-crash-cli-')
  const seedSecret = newSecret('crash')
  writeAccountFile(
    home,
    `${JSON.stringify({version: 2, registries: {'http://localhost:5000': {active: 'seed.test', accounts: {'seed.test': {handle: 'seed.test', did: '', device_secret: seedSecret}}}}}, null, 2)}\n`,
  )
  // Kill at a random instant across a whole run: time one unkilled store first (this machine's speed).
  const timed = await runCli(['store'], {
    env: home.env,
    input: `${JSON.stringify({ServerURL: 'localhost:5000', Username: 'timing.test', Secret: newSecret('crash')})}\n`,
    label: 'timed store',
  })
  assert.deepEqual(timed.code, 0, 'the timing store')
  // The span follows the machine's speed: the median of the stores that completed so far.
  const completed = [timed.ms]
  const span = () => [...completed].sort((a, b) => a - b)[Math.floor(completed.length / 2)]!
  let landed = 0
  for (let i = 0; i < CLI_KILLS; i++) {
    const before = readFileSync(home.file, 'utf8')
    const handle = `k${i}.test`
    const secret = newSecret('crash')
    const input = `${JSON.stringify({ServerURL: 'localhost:5000', Username: handle, Secret: secret})}\n`
    const child = runCli(['store'], {
      env: home.env,
      input,
      label: 'killed store',
      timeoutMs: span() * (0.2 + Math.random()),
    })
    const result = await child
    if (result.code === 0) completed.push(result.ms)
    const after = readFileSync(home.file, 'utf8')
    if (after === before) {
      assert.ok(
        result.signal === 'SIGKILL' || result.code !== 0,
        `store ${handle} exited 0 but the file did not change`,
      )
      continue
    }
    const expected = JSON.parse(before) as {registries: Record<string, {accounts: Record<string, unknown>}>}
    expected.registries['http://localhost:5000']!.accounts[handle] = {handle, did: '', device_secret: secret}
    assert.deepEqual(JSON.parse(after), expected, `store ${handle} killed: the file is neither old nor new`)
    landed++
  }
  setFigure('crash: CLI stores killed at random (landed before the kill / total)', `${landed} / ${CLI_KILLS}`)
  setFigure('crash: median unkilled CLI store (ms)', Math.round(span()))
  addFigure('crash: writers killed with SIGKILL', CLI_KILLS)
}

function registerCrashCases(): void {
  test(`crash safety › ${LANES * KILLS_PER_LANE} writers killed with SIGKILL mid-loop: always one complete version`, async () => {
    versionBytes(0)
    await Promise.all(Array.from({length: LANES}, (_, index) => lane(index)))
  })
  test(`crash safety › ${CLI_KILLS} CLI stores killed at random instants: old or new file`, killCliStores)
}

registerCrashCases()
testNoSecretLeaked()
