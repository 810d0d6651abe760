/**
 * A cross-process lock on a lock file beside the account file, held only for the few milliseconds a
 * read-modify-write takes. Synchronous on purpose: protocol commands are short-lived and do nothing else
 * while they hold it.
 *
 * The lock file is created already holding `<pid> <token>` (a draft hard-linked into place; O_EXCL then
 * a write where hard links are not supported). A holder that died (SIGKILL, a crash)
 * leaves it behind; the next process sees that the pid is gone, or that the lock is far older than any
 * write could take, and breaks it. Breaking renames the file aside first and checks that what it moved is
 * the stale lock it inspected, so two processes breaking the same stale lock cannot also break a fresh one.
 *
 * Waiting is cheap for the file system: a waiter keeps one draft for the whole wait and only looks
 * (stat) while the lock is held, trying to link its draft only when the lock is gone. Hundreds of
 * waiters then add no creates or unlinks to the directory that the holder's fsync would have to carry.
 *
 * A lock is read as every file on the protocol path is (read-regular-file.ts): non-blocking, type-checked
 * and size-capped. Anything at the lock path that is not a small regular file (a FIFO, a symlink to
 * /dev/zero, a huge file) is no lock any process made: it is broken at once, like a stale one (issue 17).
 */
import {
  closeSync,
  linkSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs'

import {uniqueSuffix} from './atomic-write.ts'
import {readRegularFile} from './read-regular-file.ts'

export class LockTimeoutError extends Error {
  readonly waitedMs: number
  constructor(lockPath: string, waitedMs: number) {
    super(
      `timed out after ${waitedMs} ms waiting for the lock ${lockPath} (another docker-credential-atcr is writing)`,
    )
    this.name = 'LockTimeoutError'
    this.waitedMs = waitedMs
  }
}

export interface LockHolder {
  /** The holder's process id, when the lock names one. */
  pid: number | undefined
  waitedMs: number
}

export interface LockOptions {
  /** Give up waiting after this long. */
  timeoutMs?: number
  /** A lock older than this is stale whatever its pid says (pid reuse, a hung holder). */
  staleMs?: number
  /** Called once when the lock has been busy for `waitNoticeMs`. */
  onWait?: (holder: LockHolder) => void
  waitNoticeMs?: number
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms)
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A token is `<pid> <suffix>\n`, a few dozen bytes: anything larger is not a lock. */
const MAX_LOCK_BYTES = 1024

/** What is at a lock path: a lock (its content), `not a lock` (a FIFO, a device, a huge file) or nothing. */
function lockContent(lockPath: string): string | 'not a lock' | undefined {
  try {
    return readRegularFile(lockPath, {maxBytes: MAX_LOCK_BYTES})?.toString('utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOTREG' || code === 'EFBIG' || code === 'EISDIR' ? 'not a lock' : undefined
  }
}

interface SeenLock {
  content: string
  pid: number
  ageMs: number
  /** Something no process made as a lock is at its path: breakable at once. */
  notALock?: true
}

function readLock(lockPath: string): SeenLock | undefined {
  const content = lockContent(lockPath)
  if (content === undefined) return undefined
  if (content === 'not a lock') return {content: '', pid: Number.NaN, ageMs: 0, notALock: true}
  try {
    const ageMs = Date.now() - statSync(lockPath).mtimeMs
    return {content, pid: Number.parseInt(content, 10), ageMs}
  } catch {
    return undefined
  }
}

/** A lock with no readable owner is left alone this long (another process may be writing its token). */
const OWNERLESS_STALE_MS = 1000

function tryBreakStaleLock(lockPath: string, staleMs: number): void {
  const seen = readLock(lockPath)
  if (!seen) return
  // A lock written a moment ago may still be empty (created, not yet written): give it time.
  const hasOwner = Number.isInteger(seen.pid) && seen.pid > 0
  const holderGone = hasOwner && !processIsAlive(seen.pid)
  // Locks are created with their token in place, so one without an owner was left half-made by a
  // writer killed in the old create-then-write window (or by an older version): stale after a moment.
  const ownerless = !hasOwner && seen.ageMs >= OWNERLESS_STALE_MS
  if (!seen.notALock && !holderGone && !ownerless && seen.ageMs < staleMs) return
  const aside = `${lockPath}.${process.pid}.${uniqueSuffix()}.stale`
  try {
    renameSync(lockPath, aside)
  } catch {
    return // someone else broke or released it
  }
  const read = lockContent(aside)
  const moved = read === undefined || read === 'not a lock' ? '' : read
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

/** The old way, for file systems without hard links: create exclusively, then write the token. */
function tryCreateLockExclusive(lockPath: string, token: string): boolean {
  let fd: number | undefined
  try {
    fd = openSync(lockPath, 'wx', 0o600)
    writeSync(fd, token)
    closeSync(fd)
    return true
  } catch (error) {
    if (fd !== undefined) {
      // Created but not written (a full disk): remove it, or every later writer waits for it to go stale.
      closeSync(fd)
      removeQuietly(lockPath)
    }
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file)
  } catch {
    // already gone
  }
}

/** A private draft holding the token, to be hard-linked into place (see tryLinkLock). */
function writeDraft(lockPath: string, token: string): string {
  const draft = `${lockPath}.${process.pid}.${uniqueSuffix()}.new`
  try {
    writeFileSync(draft, token, {mode: 0o600, flag: 'wx'})
  } catch (error) {
    removeQuietly(draft) // a full disk: created, not written
    throw error
  }
  return draft
}

/**
 * Create the lock already holding its token: hard-link the draft into place (the link fails if a lock
 * exists). A holder killed at any instant leaves no lock or a complete one, never an empty lock whose
 * owner nobody can tell.
 */
function tryLinkLock(lockPath: string, draft: string, token: string): boolean {
  try {
    // The lock's age (its mtime) must count from now, not from when this wait began: a writer that
    // waited longer than the stale age would otherwise hold a lock that others break at once.
    const now = new Date()
    utimesSync(draft, now, now)
    linkSync(draft, lockPath)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS')
      return tryCreateLockExclusive(lockPath, token)
    throw error
  }
}

const lockExists = (lockPath: string) => statSync(lockPath, {throwIfNoEntry: false}) !== undefined

/** Run `action` while holding the lock at `lockPath`. */
export function withFileLock<T>(lockPath: string, action: () => T, options: LockOptions = {}): T {
  const timeoutMs = options.timeoutMs ?? 10_000
  const staleMs = options.staleMs ?? 30_000
  const waitNoticeMs = options.waitNoticeMs ?? 1000
  const token = `${process.pid} ${uniqueSuffix()}\n`
  const started = Date.now()
  const draft = writeDraft(lockPath, token)
  try {
    let delay = 1
    let noticed = options.onWait === undefined
    let lastStaleCheck = 0
    for (;;) {
      if (!lockExists(lockPath) && tryLinkLock(lockPath, draft, token)) break
      const now = Date.now()
      const waited = now - started
      if (waited >= timeoutMs) throw new LockTimeoutError(lockPath, waited)
      if (!noticed && waited >= waitNoticeMs) {
        noticed = true
        const pid = readLock(lockPath)?.pid
        options.onWait?.({pid: pid !== undefined && pid > 0 ? pid : undefined, waitedMs: waited})
      }
      // Is the holder gone? Reading the lock costs more than a stat: a few times a second is enough.
      if (now - lastStaleCheck >= 100) {
        lastStaleCheck = now
        tryBreakStaleLock(lockPath, staleMs)
      }
      sleepSync(delay + Math.random() * delay)
      delay = Math.min(delay * 2, 20)
    }
  } finally {
    removeQuietly(draft)
  }

  try {
    return action()
  } finally {
    // Release only our own lock: if it was broken as stale and re-taken, it is not ours to remove.
    if (lockContent(lockPath) === token) removeQuietly(lockPath)
  }
}
