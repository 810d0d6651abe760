/**
 * A cache directory the helper may read back from: Node.js's compile cache (bin/run.js) runs what it
 * finds there, so whoever could write into it could run code as this user. V8 checks a cached entry
 * against the source's length only, and the entries' names can be predicted.
 *
 * The rule: the directory is created 0700 when absent; it is used only if it is a directory (not a
 * symlink), owned by the effective user and not writable by group or others; and so that nobody can swap
 * it after the check, every directory above it must be owned by this user or root and, if others may
 * write into it, sticky (as /tmp is). Without POSIX owners (Windows), nothing is trusted.
 */
import {lstatSync, mkdirSync, realpathSync, type Stats} from 'node:fs'
import path from 'node:path'

const OTHERS_WRITE = 0o022
const STICKY = 0o1000

/** The directory to use, or why not (for ATCR_DEBUG). */
export type PrivateDirectory = {directory: string} | {refused: string}

export function privateDirectory(directory: string): PrivateDirectory {
  const uid = process.geteuid?.()
  if (uid === undefined) return {refused: 'no POSIX owner to check on this platform'}
  try {
    mkdirSync(directory, {recursive: true, mode: 0o700})
    const stats = lstatSync(directory)
    if (!stats.isDirectory()) return {refused: `${directory} is not a directory (a symlink?)`}
    if (stats.uid !== uid) return {refused: `${directory} belongs to uid ${stats.uid}, not ${uid}`}
    if (stats.mode & OTHERS_WRITE) return {refused: `${directory} is writable by group or others`}
    // Above it: resolved once, so that each name below is a real directory, then walked up to the root.
    for (let above = realpathSync(path.dirname(directory)); ; above = path.dirname(above)) {
      const reason = unsafeAncestor(lstatSync(above), uid)
      if (reason) return {refused: `${above} ${reason}, so ${directory} could be replaced`}
      if (path.dirname(above) === above) break
    }
    return {directory}
  } catch (error) {
    return {refused: `${directory}: ${(error as Error).message}`}
  }
}

function unsafeAncestor(stats: Stats, uid: number): string | undefined {
  if (stats.uid !== uid && stats.uid !== 0) return `belongs to uid ${stats.uid}`
  if (stats.mode & OTHERS_WRITE && !(stats.mode & STICKY)) return 'is writable by others and not sticky'
  return undefined
}
