/**
 * A cross-process lock on a lock file beside the account file, held only for the few milliseconds a
 * read-modify-write takes. Synchronous on purpose: protocol commands are short-lived and do nothing else
 * while they hold it.
 *
 * The lock file is created with O_EXCL and holds `<pid> <token>`. A holder that died (SIGKILL, a crash)
 * leaves it behind; the next process sees that the pid is gone, or that the lock is far older than any
 * write could take, and breaks it. Breaking renames the file aside first and checks that what it moved is
 * the stale lock it inspected, so two processes breaking the same stale lock cannot also break a fresh one.
 */
import {randomBytes} from 'node:crypto'
import {
  closeSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  linkSync,
} from 'node:fs'

export class LockTimeoutError extends Error {
  constructor(lockPath: string, waitedMs: number) {
    super(
      `timed out after ${waitedMs} ms waiting for the lock ${lockPath} (another docker-credential-atcr is writing)`,
    )
    this.name = 'LockTimeoutError'
  }
}

export interface LockOptions {
  /** Give up waiting after this long. */
  timeoutMs?: number
  /** A lock older than this is stale whatever its pid says (pid reuse, a hung holder). */
  staleMs?: number
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms)
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readLock(lockPath: string): {content: string; pid: number; ageMs: number} | undefined {
  try {
    const content = readFileSync(lockPath, 'utf8')
    const ageMs = Date.now() - statSync(lockPath).mtimeMs
    return {content, pid: Number.parseInt(content, 10), ageMs}
  } catch {
    return undefined
  }
}

function tryBreakStaleLock(lockPath: string, staleMs: number): void {
  const seen = readLock(lockPath)
  if (!seen) return
  // A lock written a moment ago may still be empty (created, not yet written): give it time.
  const holderGone = Number.isInteger(seen.pid) && seen.pid > 0 && !processIsAlive(seen.pid)
  if (!holderGone && seen.ageMs < staleMs) return
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.stale`
  try {
    renameSync(lockPath, aside)
  } catch {
    return // someone else broke or released it
  }
  let moved = ''
  try {
    moved = readFileSync(aside, 'utf8')
  } catch {
    // fall through: treat as stale
  }
  if (moved !== seen.content && moved !== '') {
    // We moved a fresh lock that replaced the stale one after we looked: put it back if we still can.
    try {
      linkSync(aside, lockPath)
    } catch {
      // Somebody else holds a lock now; the moved holder will notice at release time.
    }
  }
  try {
    unlinkSync(aside)
  } catch {
    // already gone
  }
}

/** Run `action` while holding the lock at `lockPath`. */
export function withFileLock<T>(lockPath: string, action: () => T, options: LockOptions = {}): T {
  const timeoutMs = options.timeoutMs ?? 10_000
  const staleMs = options.staleMs ?? 30_000
  const token = `${process.pid} ${randomBytes(8).toString('hex')}\n`
  const started = Date.now()
  let delay = 1
  for (;;) {
    let fd: number | undefined
    try {
      fd = openSync(lockPath, 'wx', 0o600)
      writeSync(fd, token)
      closeSync(fd)
      break
    } catch (error) {
      if (fd !== undefined) {
        // Created but not written (a full disk): remove it, or every later writer waits for it to go stale.
        closeSync(fd)
        try {
          unlinkSync(lockPath)
        } catch {
          // already gone
        }
      }
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const waited = Date.now() - started
    if (waited >= timeoutMs) throw new LockTimeoutError(lockPath, waited)
    tryBreakStaleLock(lockPath, staleMs)
    sleepSync(delay + Math.random() * delay)
    delay = Math.min(delay * 2, 50)
  }

  try {
    return action()
  } finally {
    // Release only our own lock: if it was broken as stale and re-taken, it is not ours to remove.
    try {
      if (readFileSync(lockPath, 'utf8') === token) unlinkSync(lockPath)
    } catch {
      // Already gone.
    }
  }
}
