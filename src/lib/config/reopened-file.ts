/**
 * The account file opened again by name, for the questions asked of a large registry after the file
 * was closed (account-index.ts): the bytes are read only while the file is the one that was proved —
 * the same device, inode, size and modification and change times. A writer replaces the file by renaming
 * a new one over it (a new inode); an edit in place changes its times. Otherwise the answer is
 * UNANSWERED, and the caller reads the file as it is now.
 */
import {type BigIntStats, closeSync, constants, fstatSync, openSync} from 'node:fs'

import {type AccountBytes, UNANSWERED} from './account-index.ts'
import {FileChangedError, WindowedFile} from './windowed-file.ts'

/** `file` as `proved` (its fstat when it was read) describes it, opened again for each question. */
export function reopenedWhileUnchanged(
  file: string,
  proved: BigIntStats,
  windowBytes?: number,
): AccountBytes {
  return {
    read(use) {
      let fd: number
      try {
        // Non-blocking, as every read of the account file: something put in its place must not block.
        fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
      } catch {
        return UNANSWERED
      }
      try {
        const now = fstatSync(fd, {bigint: true})
        if (!sameFile(now, proved)) return UNANSWERED
        return use(new WindowedFile(fd, Number(now.size), windowBytes))
      } catch (error) {
        // Changed by an edit in place within one tick of the file system's clock: seen in the bytes.
        if (error instanceof FileChangedError) return UNANSWERED
        throw error
      } finally {
        closeSync(fd)
      }
    },
  }
}

function sameFile(a: BigIntStats, b: BigIntStats): boolean {
  return (
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs &&
    a.isFile()
  )
}
