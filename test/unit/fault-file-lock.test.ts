/**
 * A fault found by the reliability suite (npm run test:faults): when the lock file can be created but
 * its token cannot be written (a full disk), the empty lock file must not be left behind, or every
 * later writer waits for it to turn stale.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'

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
