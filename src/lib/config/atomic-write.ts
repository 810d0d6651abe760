/**
 * Replace a file so that a reader, or a crash at any instant, sees either the old bytes or the new
 * ones: write a temporary file in the same directory, fsync it, rename it over the target, fsync the
 * directory. On any failure (a full disk, a read-only directory) the temporary file is removed and the
 * target is left as it was.
 */
import {closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync} from 'node:fs'
import path from 'node:path'

export function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  mode = 0o600,
  options: {
    /** false: the caller makes the rename durable later (syncDirectory), e.g. after releasing a lock. */
    syncDirectory?: boolean
    /** false: no fsync at all (a cache, whose loss costs nothing). */
    durable?: boolean
  } = {},
): void {
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${uniqueSuffix()}.tmp`,
  )
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  let fd: number | undefined
  try {
    fd = openSync(temporary, 'wx', mode)
    let offset = 0
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset)
    if (options.durable !== false) fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    renameSync(temporary, target)
  } catch (error) {
    if (fd !== undefined) closeSync(fd)
    try {
      unlinkSync(temporary)
    } catch {
      // Never created, or already renamed: nothing to clean up.
    }
    throw error
  }
  if (options.syncDirectory !== false && options.durable !== false) syncDirectory(path.dirname(target))
}

/** Make a rename durable. Some platforms cannot open a directory; the rename is still atomic there. */
export function syncDirectory(directory: string): void {
  let fd: number | undefined
  try {
    fd = openSync(directory, 'r')
    fsyncSync(fd)
  } catch {
    // Best effort (Windows, some network file systems).
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Unique enough for a temporary name in a directory we own; node:crypto would cost start-up time on `get`. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`
}
