/**
 * An open regular file read through a 256 KiB window, offering what the account file's readers
 * (splitCanonical in lazy-account-file.ts, account-index.ts) read of a Buffer: its length, a byte, a
 * search either way and a slice.
 *
 * Why not read the file into one Buffer: a 2.3 MB account file (10 000 accounts) then needs 2.3 MB of
 * fresh memory, and the page faults of filling it cost `get` 1.5 to 3 ms (more on a loaded machine),
 * while copying the same bytes from the page cache into one small window that stays in the CPU cache
 * takes 0.2 ms a pass. A lookup copies out only what it keeps.
 *
 * The file is read at the size fstat gave when it was opened; a file that shrinks meanwhile throws
 * (FileChangedError), and the caller reads it the ordinary way.
 */
import {readSync} from 'node:fs'

export class FileChangedError extends Error {}

/** The bytes of a file as its readers use them: a Buffer, or a file read through a window (WindowedFile). */
export interface ByteSource {
  readonly length: number
  at(index: number): number | undefined
  /** The first offset at or after `from` where `needle` starts; -1 if none. */
  indexOf(needle: Uint8Array | number, from?: number): number
  /** The last offset at or before `from` where `needle` starts; -1 if none. */
  lastIndexOf(needle: Uint8Array, from?: number): number
  /** Bytes [start, end): valid until the next read of a windowed file (decode or copy it at once). */
  subarray(start: number, end: number): Buffer
}

/**
 * Big enough that a pass over a 2.3 MB file takes 9 reads, each a syscall and a call into Node (64 KiB
 * took 36 and measured 1-1.5 % slower for the whole `get`); small enough to stay in the CPU's cache and
 * to cost no page faults worth counting.
 */
const WINDOW_BYTES = 256 * 1024

export class WindowedFile implements ByteSource {
  readonly length: number
  private readonly fd: number
  private readonly window: Buffer
  /** The file offsets the window holds: [start, end). */
  private start = 0
  private end = 0

  constructor(fd: number, size: number, windowBytes = WINDOW_BYTES) {
    this.fd = fd
    this.length = size
    this.window = Buffer.allocUnsafe(Math.max(1, Math.min(windowBytes, size)))
  }

  /** Fill the window from `from` (as far as the file or the window goes). */
  private load(from: number): void {
    const filled = Math.min(this.window.length, this.length - from)
    readFully(this.fd, this.window, filled, from)
    this.start = from
    this.end = from + filled
  }

  at(index: number): number | undefined {
    if (index < 0 || index >= this.length) return undefined
    if (index < this.start || index >= this.end) this.load(index)
    return this.window[index - this.start]
  }

  /** The first offset at or after `from` where `needle` (bytes, or one byte) starts; -1 if none. */
  indexOf(needle: Uint8Array | number, from = 0): number {
    const size = typeof needle === 'number' ? 1 : needle.length
    let position = Math.max(0, from)
    if (size > this.window.length) return this.indexOfLong(needle as Uint8Array, position)
    while (position + size <= this.length) {
      if (position < this.start || position + size > this.end) this.load(position)
      // Past `end - start` the window may hold bytes of an earlier read: a match there is none.
      const found = this.window.indexOf(needle, position - this.start)
      if (found !== -1 && found + size <= this.end - this.start) return this.start + found
      if (this.end >= this.length) return -1
      // The next window overlaps this one by a needle less a byte: a match across the edge is found there.
      position = this.end - size + 1
    }
    return -1
  }

  /** The last offset at or before `from` where `needle` starts; -1 if none. */
  lastIndexOf(needle: Uint8Array, from = this.length): number {
    let last = Math.min(from, this.length - needle.length) // where a match may start, at the latest
    if (last < 0) return -1
    if (needle.length > this.window.length) {
      for (let position = last; position >= 0; position--) {
        if (Buffer.compare(this.subarray(position, position + needle.length), needle) === 0) return position
      }
      return -1
    }
    while (true) {
      // A window that ends where the latest match would end.
      const through = last + needle.length
      if (last < this.start || through > this.end) this.load(Math.max(0, through - this.window.length))
      const found = this.window.lastIndexOf(needle, last - this.start)
      if (found !== -1) return this.start + found
      if (this.start === 0) return -1
      // Every match starting in this window is ruled out; one starting before it may end inside it.
      last = this.start - 1
    }
  }

  /** A needle longer than the window (a test's tiny window, never the real one): slice by slice. */
  private indexOfLong(needle: Uint8Array, from: number): number {
    for (let position = from; position + needle.length <= this.length; position++) {
      if (Buffer.compare(this.subarray(position, position + needle.length), needle) === 0) return position
    }
    return -1
  }

  /**
   * Bytes [start, end): a view of the window (valid until the next read: decode it at once), read into
   * the window when it does not hold them; a copy read for the purpose only when they are longer than
   * the window.
   */
  subarray(start: number, end: number): Buffer {
    const from = Math.max(0, Math.min(start, this.length))
    const to = Math.max(from, Math.min(end, this.length))
    if ((from < this.start || to > this.end) && to - from <= this.window.length) this.load(from)
    if (from >= this.start && to <= this.end) {
      return this.window.subarray(from - this.start, to - this.start)
    }
    const copy = Buffer.allocUnsafe(to - from)
    readFully(this.fd, copy, copy.length, from)
    return copy
  }
}

/** `length` bytes of the file from `position` into the start of `target`. */
function readFully(fd: number, target: Buffer, length: number, position: number): void {
  for (let filled = 0; filled < length;) {
    const read = readSync(fd, target, filled, length - filled, position + filled)
    if (read === 0) throw new FileChangedError('the file shrank while it was read')
    filled += read
  }
}
