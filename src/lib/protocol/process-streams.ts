/**
 * The helper's own stdin, stdout and stderr for the protocol verbs, read and written on the file
 * descriptors. Node's `process.stdin` and `process.stdout` build a stream object over a pipe (net.Socket,
 * the stream machinery behind it) on first use: about 3 ms together, a tenth of a `get`, to move a host
 * name in and one line of JSON out. Docker hands the helper pipes and waits for it to exit, so plain
 * blocking reads and writes say the same thing.
 *
 * Only where that is certain: on a POSIX system, with stdin a pipe, a socket or a regular file. A
 * terminal (`get` typed by a person), a device such as /dev/null, a descriptor that cannot be read
 * without blocking (a non-blocking pipe: EAGAIN), Windows, and anything unexpected go through the
 * process streams exactly as before.
 */
import {fstatSync, readSync, writeSync} from 'node:fs'

/** What readCapped (src/lib/stdin/read-capped.ts) reads, and whether a person is typing. */
export type ProtocolInput = AsyncIterable<unknown> & {readonly isTTY?: boolean}

/** The text sink of a verb: stdout or stderr. */
export interface TextSink {
  write(text: string): unknown
  /** Resolves once everything written has left the process (the process may then exit at once). */
  flushed?(): Promise<void>
}

const CHUNK_BYTES = 64 * 1024

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException)?.code
}

/** Whether fd 0 can be read with blocking reads that end: a pipe, a socket or a regular file. */
function readsToAnEnd(platform: NodeJS.Platform): boolean {
  if (platform === 'win32') return false // pipes there end in an error, not a zero-byte read
  try {
    const stats = fstatSync(0)
    return stats.isFIFO() || stats.isSocket() || stats.isFile()
  } catch {
    return false // closed (EBADF) or unknown: let process.stdin say what it is
  }
}

/**
 * stdin as chunks read straight from fd 0, or process.stdin where that is not certain to work. The
 * caller's cap (readCapped) stops the reading: nothing is read past the chunk that crosses it.
 */
export function processInput(platform: NodeJS.Platform = process.platform): ProtocolInput {
  if (!readsToAnEnd(platform)) return process.stdin
  return {
    isTTY: false,
    async *[Symbol.asyncIterator]() {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
      for (;;) {
        let read: number
        try {
          read = readSync(0, buffer, 0, buffer.length, null)
        } catch (error) {
          if (errorCode(error) === 'EINTR') continue
          if (errorCode(error) !== 'EAGAIN') throw error
          // Someone made the descriptor non-blocking: the rest comes through the stream, which waits.
          yield* process.stdin
          return
        }
        if (read === 0) return
        yield Buffer.from(buffer.subarray(0, read))
      }
    },
  }
}

/**
 * stdout (fd 1) or stderr (fd 2), written with blocking writes. On Windows, and from the first write the
 * descriptor does not take (EAGAIN: non-blocking and full; EBADF: closed), through the process stream as
 * before. A reader that went away (EPIPE) throws on stdout, where the answer was lost (the caller exits
 * 1), and is ignored on stderr: a closed stderr must not fail a verb.
 */
export function processOutput(
  fd: 1 | 2,
  stream: () => NodeJS.WritableStream,
  platform: NodeJS.Platform = process.platform,
): TextSink {
  let streamed = platform === 'win32'
  return {
    write(text: string) {
      if (streamed) return stream().write(text)
      const bytes = Buffer.from(text, 'utf8')
      let offset = 0
      try {
        while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset)
      } catch (error) {
        if (errorCode(error) === 'EPIPE') {
          if (fd === 2) return false
          throw error
        }
        streamed = true
        return stream().write(bytes.subarray(offset))
      }
      return true
    },
    flushed() {
      // Blocking writes are out when write returns; a stream calls back once what was queued before is.
      if (!streamed) return Promise.resolve()
      return new Promise<void>((resolve) => {
        try {
          stream().write('', () => resolve())
        } catch {
          resolve()
        }
      })
    },
  }
}
