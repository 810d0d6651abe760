/**
 * A fault found by the reliability suite (npm run test:faults): when the lock file can be created but
 * its token cannot be written (a full disk), the empty lock file must not be left behind, or every
 * later writer waits for it to turn stale.
 */
import assert from 'node:assert/strict'
import {execFileSync, spawn} from 'node:child_process'
import {closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {withFileLock} from '../../src/lib/config/file-lock.ts'

function mountTmpfs(dir: string): boolean {
  if (process.getuid?.() !== 0) return false
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', dir], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

test('a lock whose token cannot be written (disk full) leaves no lock file behind', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atcr-lock-full-'))
  if (!mountTmpfs(dir)) {
    rmSync(dir, {recursive: true, force: true})
    t.skip('needs root and a tmpfs mount to fill a disk')
    return
  }
  try {
    const fd = openSync(path.join(dir, 'filler'), 'w')
    try {
      for (;;) writeSync(fd, Buffer.alloc(4096, 1))
    } catch (error) {
      assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC')
    } finally {
      closeSync(fd)
    }
    const lock = path.join(dir, 'device.json.lock')
    assert.throws(() => withFileLock(lock, () => 'never'), {code: 'ENOSPC'})
    assert.equal(existsSync(lock), false, 'the empty lock file was left behind')
  } finally {
    execFileSync('umount', [dir])
    rmSync(dir, {recursive: true, force: true})
  }
})

test('an empty lock file, left by a writer killed between creating and writing it, does not block the next writer', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atcr-lock-empty-'))
  try {
    const lock = path.join(dir, 'device.json.lock')
    closeSync(openSync(lock, 'wx', 0o600))
    // Before the fix this waited for the 30 s stale age and timed out; the lock must be taken well before.
    assert.equal(
      withFileLock(lock, () => 'taken', {timeoutMs: 5000}),
      'taken',
    )
    assert.equal(existsSync(lock), false)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test(
  'a writer that waited longer than the stale age holds a fresh lock: nobody breaks it as stale',
  {timeout: 60_000},
  async () => {
    // Found by the 200-writer case at load average 60: the lock was the hard-linked draft, whose mtime
    // was when the wait began; a writer that had waited over 30 s held a lock that looked stale at once,
    // another broke it, and one change was lost. Here the stale age is 3 s: H holds 2 s, W waits for H
    // and holds 1.5 s (its draft then 3.5 s old), X comes while W holds and must wait for W.
    const dir = mkdtempSync(path.join(tmpdir(), 'atcr-lock-age-'))
    const lock = path.join(dir, 'device.json.lock')
    const log = path.join(dir, 'log')
    const holder = (name: string, holdMs: number) =>
      spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import {appendFileSync} from 'node:fs'
         import {withFileLock} from ${JSON.stringify(path.resolve('src/lib/config/file-lock.ts'))}
         withFileLock(${JSON.stringify(lock)}, () => {
           appendFileSync(${JSON.stringify(log)}, '${name}+\\n')
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs})
           appendFileSync(${JSON.stringify(log)}, '${name}-\\n')
         }, {staleMs: 3000, timeoutMs: 60000})`,
        ],
        {stdio: 'inherit'},
      )
    // Listen at once: a child that exits before anyone waits for it must still count as exited.
    const exited = (child: ReturnType<typeof spawn>) => new Promise((resolve) => child.on('close', resolve))
    const logged = () => (existsSync(log) ? readFileSync(log, 'utf8') : '')
    const until = async (text: string) => {
      for (let waited = 0; !logged().includes(text); waited += 20) {
        if (waited > 30_000) throw new Error(`no ${text} after 30 s; the log: ${JSON.stringify(logged())}`)
        await sleep(20)
      }
    }
    try {
      const h = exited(holder('H', 2000))
      await until('H+')
      const w = exited(holder('W', 1500))
      await until('W+')
      const x = exited(holder('X', 0))
      await Promise.all([h, w, x])
      assert.equal(logged(), 'H+\nH-\nW+\nW-\nX+\nX-\n')
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  },
)
