/**
 * Proofs that a large registry's accounts are in the helper's layout (account-index.ts), remembered for
 * the account file they were made on: proving 10 000 accounts costs `get` about 15 ms, and Docker runs
 * `get` on every pull while the file changes once in a while (issue 20).
 *
 * `$ATCR_CONFIG_DIR/account-proofs.json` (0600, replaced atomically, no fsync: a lost proof costs one
 * more proof) holds the proofs of one version of the account file, recognised as git recognises a file
 * in its index: by device, inode, size and modification and change times. A writer replaces the
 * account file by renaming a new one over it (a new inode, new times); an edit in place changes its times.
 *
 * - Racy files: a proof is remembered only for a file last changed more than RACY_MS before it was
 *   proved. A file changed within one tick of the file system's clock could share its times with the
 *   version after it; once that long has passed, a new version can no longer get the same change time.
 * - Trust: the proofs are read only from a regular file of this user that no one else can write, like
 *   the account file beside them (whoever can write into the directory can write the account file too).
 * - What a proof is not trusted for: the account `get` answers with is proved again, alone, every time
 *   (AccountIndex's accountAt).
 * - Anything unexpected (missing, corrupt, another file's proofs, a full disk) is a miss: the accounts
 *   are proved again, and the answer is the same.
 */
import {type BigIntStats} from 'node:fs'
import path from 'node:path'

import {writeFileAtomic} from './atomic-write.ts'
import {readRegularFile} from './read-regular-file.ts'

export const LAYOUT_PROOFS_FILE = 'account-proofs.json'

/** More than the coarsest file-system clock the helper may meet (FAT's 2 s), with room for a late write. */
export const RACY_MS = 3000

/** A handful of registries' proofs: a larger file is not read (a miss). */
const MAX_PROOFS_BYTES = 64 * 1024

/** What a proof of one `accounts` object found (AccountIndex.of). */
export interface LayoutProof {
  /** No handle has an upper-case letter. */
  lowerCaseHandles: boolean
}

/** The proofs of one version of the account file, read once and written when one is added. */
export interface LayoutProofs {
  /** The proof of the `accounts` object at bytes [start, end), if remembered. */
  known(start: number, end: number): LayoutProof | undefined
  remember(start: number, end: number, proof: LayoutProof): void
}

interface ProofsDocument {
  version: 1
  /** The account file's identity (fileIdentity). */
  file: string
  /** Keyed by `<start>-<end>`. */
  proofs: Record<string, LayoutProof>
}

/** The proofs for the account file as `stats` (its fstat, when it was opened) describes it. */
export function layoutProofs(directory: string, stats: BigIntStats, now = Date.now()): LayoutProofs {
  const file = path.join(directory, LAYOUT_PROOFS_FILE)
  const identity = fileIdentity(stats)
  let document: ProofsDocument | undefined
  const read = () => (document ??= readProofs(file, identity) ?? {version: 1, file: identity, proofs: {}})
  return {
    known(start, end) {
      const proof = read().proofs[`${start}-${end}`]
      return proof && typeof proof.lowerCaseHandles === 'boolean'
        ? {lowerCaseHandles: proof.lowerCaseHandles}
        : undefined
    },
    remember(start, end, proof) {
      if (BigInt(now) * 1_000_000n - stats.ctimeNs <= BigInt(RACY_MS) * 1_000_000n) return
      const next = read()
      next.proofs[`${start}-${end}`] = {lowerCaseHandles: proof.lowerCaseHandles}
      try {
        writeFileAtomic(file, `${JSON.stringify(next)}\n`, 0o600, {durable: false})
      } catch {
        // Not written (a full disk, a read-only directory): the next `get` proves again.
      }
    },
  }
}

/** Device, inode, size and modification and change times, to the nanosecond. */
function fileIdentity(stats: BigIntStats): string {
  return [stats.dev, stats.ino, stats.size, stats.mtimeNs, stats.ctimeNs].join(':')
}

function readProofs(file: string, identity: string): ProofsDocument | undefined {
  try {
    const bytes = readRegularFile(file, {maxBytes: MAX_PROOFS_BYTES, ownedPrivately: true})
    if (bytes === undefined) return undefined
    const parsed = JSON.parse(bytes.toString('utf8')) as Partial<ProofsDocument> | null
    if (
      parsed?.version !== 1 ||
      parsed.file !== identity ||
      typeof parsed.proofs !== 'object' ||
      parsed.proofs === null
    )
      return undefined
    return {version: 1, file: identity, proofs: parsed.proofs}
  } catch {
    return undefined // missing, not ours, too large or corrupt: a miss
  }
}
