/**
 * The one way the protocol path opens a file it did not just create (device.json, session-cache.json,
 * plugins-on-get.json): non-blocking, then type-checked on the open descriptor. A FIFO, a device or a
 * symlink to `/dev/zero` in a file's place is refused at once instead of blocking or reading forever;
 * checking the descriptor (not the path) leaves no window for a swap between the check and the read.
 */
import {closeSync, constants, fstatSync, openSync, readSync} from 'node:fs'

/** Thrown for anything that is not a regular file (FIFO, socket, device); a directory is EISDIR. */
export class NotARegularFileError extends Error {
  readonly code = 'ENOTREG'
  readonly file: string
  constructor(file: string) {
    super(`${file} is not a regular file`)
    this.file = file
    this.name = 'NotARegularFileError'
  }
}

/** Thrown when the file is larger than the caller's `maxBytes`. */
export class FileTooLargeError extends Error {
  readonly code = 'EFBIG'
  readonly file: string
  readonly size: number
  constructor(file: string, size: number) {
    super(`${file} is larger than expected (${size} bytes)`)
    this.file = file
    this.size = size
    this.name = 'FileTooLargeError'
  }
}

/**
 * The bytes of a regular file, or undefined when it does not exist. Other file-system errors (EACCES,
 * EISDIR, …) are thrown as they are, with their `code`. `ownedPrivately`: a file read back as a cache
 * whose contents decide what is trusted must be this user's and writable by no one else (ENOTPRIVATE).
 */
export function readRegularFile(
  file: string,
  options: {maxBytes?: number; ownedPrivately?: boolean} = {},
): Buffer | undefined {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    const stats = fstatSync(fd)
    if (stats.isDirectory()) throw Object.assign(new Error(`${file} is a directory`), {code: 'EISDIR'})
    if (!stats.isFile()) throw new NotARegularFileError(file)
    // Where there are no user ids (Windows), the directory's protection is all there is.
    const euid = process.geteuid?.()
    if (options.ownedPrivately && euid !== undefined && (stats.uid !== euid || (stats.mode & 0o022) !== 0))
      throw Object.assign(new Error(`${file} is not this user's alone`), {code: 'ENOTPRIVATE'})
    if (options.maxBytes !== undefined && stats.size > options.maxBytes)
      throw new FileTooLargeError(file, stats.size)
    // Read what fstat announced; a file that grows meanwhile is read to its end (still bounded by the cap).
    const chunks: Buffer[] = []
    let total = 0
    let buffer = Buffer.allocUnsafe(Math.max(stats.size, 1))
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null)
      if (read === 0) break
      chunks.push(read === buffer.length ? buffer : buffer.subarray(0, read))
      total += read
      if (options.maxBytes !== undefined && total > options.maxBytes) throw new FileTooLargeError(file, total)
      buffer = Buffer.allocUnsafe(64 * 1024)
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)
  } finally {
    closeSync(fd)
  }
}
