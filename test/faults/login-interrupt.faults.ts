/**
 * Ctrl-C at each step of `login <host> --no-browser` (issue 6), against the AppView emulator: SIGINT
 * (a) right after the process starts, (a') while the device code is being asked for, (b) while the code
 * is shown and polled, (c) around the instant the approval arrives (a slow /auth/device/token widens the
 * window; the signal is swept across it, also with a large account file so that it lands during the
 * save itself).
 *
 * Whatever the instant: the account file is byte-for-byte unchanged or holds the complete new account
 * (never half a write), no lock, draft or temp file is left, and the exit is 130 (login's documented code
 * for a cancelled login) — or death by SIGINT when the signal beat Node's start-up (the shell reports 130
 * for that too).
 */
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {randomBytes} from 'node:crypto'
import {test} from 'node:test'

import {DEFAULT_REQUEST_TIMEOUT_MS as REQUEST_TIMEOUT_MS} from '../../src/lib/appview/client.ts'
import {type AppViewEmulator} from '../support/appview-emulator.ts'
import {
  addFigure,
  type CliResult,
  type Home,
  newHome,
  newSecret,
  runCli,
  setFigure,
  sha256,
  startScannedEmulator,
  v2File,
  writeAccountFile,
} from './harness.ts'
import {testNoSecretLeaked} from './secrets.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The pid of the process spawned with `ATCR_FAULT_TAG=<tag>` (runCli spawns node directly). */
async function findTagged(tag: string, timeoutMs = 10_000): Promise<number> {
  const needle = `ATCR_FAULT_TAG=${tag}\0`
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle)) return Number(entry)
      } catch {
        // gone, or not ours to read
      }
    }
    await sleep(2)
  }
  throw new Error(`the login process (tag ${tag}) never appeared`)
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

const count = (emulator: AppViewEmulator, path: string) =>
  emulator.requests.filter((request) => request.path === path).length

interface Interrupted {
  result: CliResult
  home: Home
  before: string
  secretBefore: string
  /** From the SIGINT to the process's end (ms). */
  afterSignalMs: number
}

/**
 * Start `login <emulator> --no-browser` in a home that already holds another account, wait for `when`
 * (given the pid), send SIGINT, and return how it ended.
 */
async function interruptLogin(
  emulator: AppViewEmulator,
  label: string,
  when: (pid: number) => Promise<void>,
  content?: string,
): Promise<Interrupted> {
  const home = newHome()
  const secretBefore = newSecret('ci')
  writeAccountFile(
    home,
    content ?? v2File({'http://localhost:5000': {accounts: [{handle: 'bob.test', secret: secretBefore}]}}),
  )
  const before = sha256(home.file)
  const tag = randomBytes(8).toString('hex')
  const running = runCli(['login', emulator.host, '--no-browser'], {
    env: {...home.env, ATCR_FAULT_TAG: tag},
    label: `login interrupted ${label}`,
    timeoutMs: 30_000,
  })
  let pid: number | undefined
  try {
    pid = await findTagged(tag)
    await when(pid)
  } catch (error) {
    if (pid !== undefined) signal(pid, 'SIGKILL')
    await running
    throw error
  }
  // Late in a sweep the login may have finished already: then there is nothing to interrupt.
  if (!signal(pid, 'SIGINT')) addFigure('login Ctrl-C: runs that ended before the signal')
  const signalledAt = performance.now()
  const result = await running
  return {result, home, before, secretBefore, afterSignalMs: performance.now() - signalledAt}
}

/** Send a signal; false when the process is already gone. */
function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}

type Ending = 'unchanged' | 'saved'

/** The file is the old one or the old one plus the complete new account; nothing else is left behind. */
function assertNoPartialAccount(run: Interrupted, approvedHandle: string | undefined, what: string): Ending {
  const {result, home, before} = run
  const leftovers = readdirSync(home.dir).filter((name) => name !== 'device.json')
  assert.ok(leftovers.length === 0, `${what}: left in the config directory: ${leftovers.join(', ')}`)
  assert.ok(!/^\s+at .+[:(]/m.test(result.stderr), `${what}: stack trace: ${result.stderr.slice(0, 600)}`)
  const byInterrupt = result.code === 130 || (result.code === null && result.signal === 'SIGINT')
  if (sha256(home.file) === before) {
    assert.ok(
      byInterrupt,
      `${what}: nothing saved but exit ${result.code} (signal ${result.signal}): ${result.stderr.slice(-400)}`,
    )
    if (result.code === 130)
      assert.ok(
        /nothing was saved/i.test(result.stderr),
        `${what}: exit 130 without saying so: ${result.stderr}`,
      )
    return 'unchanged'
  }
  assert.ok(approvedHandle !== undefined, `${what}: the account file changed although nothing was approved`)
  let parsed: {
    version: number
    registries: Record<string, {active?: string; accounts: Record<string, Record<string, unknown>>}>
  }
  try {
    parsed = JSON.parse(readFileSync(home.file, 'utf8'))
  } catch (error) {
    throw new Error(
      `${what}: the account file is not valid JSON after the interrupt: ${(error as Error).message}`,
      {cause: error},
    )
  }
  assert.deepEqual(
    parsed.registries['http://localhost:5000']?.accounts['bob.test']?.device_secret,
    run.secretBefore,
    `${what}: the other account`,
  )
  const added = Object.entries(parsed.registries).filter(([key]) => key !== 'http://localhost:5000')
  assert.deepEqual(added.length, 1, `${what}: registries added`)
  const entry = added[0]![1]
  const account = entry.accounts[approvedHandle]
  assert.ok(account, `${what}: the new registry has no account ${approvedHandle}`)
  assert.deepEqual(entry.active, approvedHandle, `${what}: the new account is active`)
  assert.ok(
    typeof account.device_secret === 'string' &&
      account.device_secret.startsWith('atcr_device_') &&
      account.device_secret.length > 20,
    `${what}: incomplete device secret`,
  )
  assert.deepEqual(account.handle, approvedHandle, `${what}: handle`)
  assert.ok(typeof account.did === 'string' && account.did.startsWith('did:'), `${what}: did`)
  assert.ok(
    result.code === 0 || result.code === 130 || (result.code === null && result.signal === 'SIGINT'),
    `${what}: saved, exit ${result.code} (signal ${result.signal})`,
  )
  if (result.code === 130) {
    assert.ok(!/nothing was saved/i.test(result.stderr), `${what}: says nothing was saved, but it was`)
    addFigure('login Ctrl-C: SIGINTs during the save (saved whole, then exit 130)')
  }
  return 'saved'
}

/** A valid v2 file of about `megabytes` MB (many accounts of another registry), so that a save takes a while. */
function largeFile(secretBefore: string, megabytes: number): string {
  const accounts: Record<string, unknown> = {
    'bob.test': {handle: 'bob.test', did: '', device_secret: secretBefore},
  }
  const filler = 'x'.repeat(100)
  const total = Math.ceil((megabytes * 1_000_000) / 190)
  for (let index = 0; index < total; index++) {
    accounts[`user${index}.test`] = {
      handle: `user${index}.test`,
      did: `did:plc:${index}`,
      device_secret: `filler-not-a-secret-${index}`,
      note: filler,
    }
  }
  return `${JSON.stringify({version: 2, registries: {'http://localhost:5000': {active: 'bob.test', accounts}}})}\n`
}

function registerLoginInterruptCases(): void {
  addFigure('login Ctrl-C: SIGINTs during the save (saved whole, then exit 130)', 0)
  test('login Ctrl-C › (a) SIGINT right after start: nothing saved, exit 130 or death by SIGINT', async () => {
    const emulator = await startScannedEmulator({interval: 0.2})
    try {
      for (let run = 0; run < 3; run++) {
        const interrupted = await interruptLogin(emulator, '(a) at start', async () => {})
        assertNoPartialAccount(interrupted, undefined, `(a) run ${run}`)
        addFigure('login Ctrl-C: interrupted runs')
      }
    } finally {
      await emulator.close()
    }
  })

  test("login Ctrl-C › (a') SIGINT while the device code is asked for (an AppView that never answers): exit 130, nothing saved", async () => {
    const emulator = await startScannedEmulator({interval: 0.2})
    try {
      // The answer never comes, so only the interrupt can end this login early: within the client's own
      // request timeout, however loaded the machine (a 5 s answer raced the signal at load average 40).
      emulator.injectFault({path: '/auth/device/code', kind: 'hang'})
      const interrupted = await interruptLogin(emulator, "(a') code request", () =>
        waitFor('the device code request', () => count(emulator, '/auth/device/code') >= 1),
      )
      assert.deepEqual(interrupted.result.code, 130, 'exit code')
      assertNoPartialAccount(interrupted, undefined, "(a')")
      // Counted from the signal, not from the start, which a loaded machine stretches: a login that
      // ignored the interrupt would end only at its request timeout, ~10 s after the request began.
      assert.ok(
        interrupted.afterSignalMs < REQUEST_TIMEOUT_MS - 2000,
        `login waited for its request to time out (${Math.round(interrupted.afterSignalMs)} ms after the signal)`,
      )
      setFigure("login Ctrl-C: (a') ms from the signal to the end", Math.round(interrupted.afterSignalMs))
      addFigure('login Ctrl-C: interrupted runs')
    } finally {
      await emulator.close()
    }
  })

  test('login Ctrl-C › (b) SIGINT while the code is shown and polled: exit 130, nothing saved, no more polls', async () => {
    const emulator = await startScannedEmulator({interval: 0.2})
    try {
      const interrupted = await interruptLogin(emulator, '(b) polling', () =>
        waitFor('two polls', () => count(emulator, '/auth/device/token') >= 2),
      )
      assert.deepEqual(interrupted.result.code, 130, 'exit code')
      assert.ok(/one-time code/.test(interrupted.result.stderr), 'the code was shown before the interrupt')
      assertNoPartialAccount(interrupted, undefined, '(b)')
      const polls = count(emulator, '/auth/device/token')
      await sleep(600)
      assert.deepEqual(count(emulator, '/auth/device/token'), polls, 'polls after the process ended')
      addFigure('login Ctrl-C: interrupted runs')
    } finally {
      await emulator.close()
    }
  })

  for (const size of ['small', 'large'] as const) {
    test(`login Ctrl-C › (c) SIGINT swept across the approval (slow token answer${size === 'large' ? ', 4 MB account file' : ''}): old file or complete account, nothing left behind`, async () => {
      const emulator = await startScannedEmulator({interval: 0.2})
      const delayMs = 800
      const tally: Record<Ending, number> = {unchanged: 0, saved: 0}
      try {
        const offsets =
          size === 'small'
            ? [0, 400, 700, 780, 800, 820, 850, 900, 1000, 1200]
            : [700, 800, 850, 900, 950, 1000, 1050, 1100, 1150, 1200, 1300, 1400, 1600, 1800]
        for (const offset of offsets) {
          const handle = `carol${offset}.test`
          emulator.approveNext({handle, did: `did:plc:carol${offset}`})
          emulator.injectFault({path: '/auth/device/token', kind: 'slow', delayMs})
          const secretForFile = newSecret('ci')
          const interrupted = await interruptLogin(
            emulator,
            `(c) ${offset} ms after the approving poll arrived${size === 'large' ? ', large file' : ''}`,
            async () => {
              await waitFor('the approving poll', () => count(emulator, '/auth/device/token') >= 1)
              await sleep(offset)
            },
            size === 'large' ? largeFile(secretForFile, 4) : undefined,
          )
          if (size === 'large') interrupted.secretBefore = secretForFile
          emulator.requests.length = 0
          const ending = assertNoPartialAccount(
            interrupted,
            handle,
            `(c) +${offset} ms${size === 'large' ? ' (large file)' : ''}`,
          )
          tally[ending]++
          addFigure('login Ctrl-C: interrupted runs')
        }
        setFigure(
          `login Ctrl-C: (c) sweep${size === 'large' ? ' with a 4 MB file' : ''}: unchanged / saved whole`,
          `${tally.unchanged} / ${tally.saved}`,
        )
        assert.ok(
          tally.unchanged > 0,
          'no run was interrupted before the approval: the sweep missed its window',
        )
        assert.ok(tally.saved > 0, 'no run saved the approved account: the sweep missed its window')
      } finally {
        await emulator.close()
      }
    })
  }
}

registerLoginInterruptCases()
testNoSecretLeaked()
