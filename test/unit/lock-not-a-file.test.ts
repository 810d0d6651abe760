/**
 * Issue 17: a FIFO, or a symlink to /dev/zero, where a lock file should be (device.json.lock,
 * session-cache.json.lock). The lock was read with a plain readFileSync: the FIFO blocked every writer
 * (store, erase, and the session cache `get` records) for ever, and /dev/zero was read until memory ran
 * out. Each case runs the lock in a child process with a deadline, so a regression fails instead of
 * hanging the runner, and reports the child's peak memory.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {execFileSync} from 'node:child_process'
import {existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'
import {fileURLToPath} from 'node:url'

const FILE_LOCK = fileURLToPath(new URL('../../src/lib/config/file-lock.ts', import.meta.url))

interface Outcome {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  ms: number
}

/** Take the lock at `lock` in a child process; killed after `deadlineMs`. */
function lockInChild(lock: string, deadlineMs: number, timeoutMs = 2000): Promise<Outcome> {
  const script = `
    import {withFileLock} from ${JSON.stringify(FILE_LOCK)}
    try {
      console.log(withFileLock(${JSON.stringify(lock)}, () => 'taken', {timeoutMs: ${timeoutMs}}))
    } catch (error) {
      console.log('error: ' + error.message)
    }
    console.log('rss ' + process.memoryUsage().rss)
  `
  return new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, ms: performance.now() - started})
    })
  })
}

function rssOf(outcome: Outcome): number {
  return Number(/rss (\d+)/.exec(outcome.stdout)?.[1] ?? Number.NaN)
}

const cases: {name: string; make: (lock: string) => void}[] = [
  {name: 'a FIFO', make: (lock) => execFileSync('mkfifo', [lock])},
  {name: 'a symlink to /dev/zero', make: (lock) => symlinkSync('/dev/zero', lock)},
  // Naming a live process (pid 1), it used to be waited on until the stale age (30 s), read whole each time.
  {
    name: 'a file far larger than any lock',
    make: (lock) => writeFileSync(lock, Buffer.concat([Buffer.from('1 '), Buffer.alloc(8 << 20, 0x20)])),
  },
]

for (const {name, make} of cases) {
  test(`${name} at the lock path is not a lock: broken at once, neither blocking nor read whole`, async (t) => {
    if (name === 'a FIFO' && process.platform === 'win32') return t.skip('no FIFOs on Windows')
    const dir = mkdtempSync(path.join(tmpdir(), 'atcr-lock-odd-'))
    try {
      const lock = path.join(dir, 'device.json.lock')
      make(lock)
      const outcome = await lockInChild(lock, 8000)
      assert.equal(outcome.signal, null, `the lock blocked until killed after ${Math.round(outcome.ms)} ms`)
      assert.match(outcome.stdout, /^taken$/m, outcome.stdout)
      assert.ok(outcome.ms < 5000, `took ${Math.round(outcome.ms)} ms`)
      assert.ok(rssOf(outcome) < 200 * 1024 * 1024, `rss ${rssOf(outcome)} bytes`)
      // Released as a normal lock is: nothing left behind, not even the odd file that was broken.
      assert.equal(existsSync(lock) && lstatSync(lock) !== undefined, false)
      assert.deepEqual(readdirSync(dir), [])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
}

test('a FIFO swapped in at the lock path while it is held does not block the release', async (t) => {
  if (process.platform === 'win32') return t.skip('no FIFOs on Windows')
  const dir = mkdtempSync(path.join(tmpdir(), 'atcr-lock-swap-'))
  try {
    const lock = path.join(dir, 'session-cache.json.lock')
    const script = `
      import {execFileSync} from 'node:child_process'
      import {unlinkSync} from 'node:fs'
      import {withFileLock} from ${JSON.stringify(FILE_LOCK)}
      console.log(withFileLock(${JSON.stringify(lock)}, () => {
        unlinkSync(${JSON.stringify(lock)})
        execFileSync('mkfifo', [${JSON.stringify(lock)}])
        return 'held'
      }))
    `
    const outcome = await new Promise<Outcome>((resolve) => {
      const started = performance.now()
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000)
      child.on('close', (code, signal) => {
        clearTimeout(timer)
        resolve({code, signal, stdout, ms: performance.now() - started})
      })
    })
    assert.equal(outcome.signal, null, 'the release blocked on the FIFO until killed')
    assert.equal(outcome.stdout, 'held\n')
    // Not ours: left where it is.
    assert.ok(lstatSync(lock).isFIFO())
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})
