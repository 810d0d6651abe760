/**
 * Reading and writing the account file on disk (spec/config.md, "Writing safely").
 *
 * - Reads need no lock: every write is an atomic rename, so a reader sees a whole file.
 * - Every change is a locked read-modify-write of the latest file, so concurrent helpers never lose
 *   each other's changes.
 * - An older format is migrated on first load: the original bytes are kept beside the file, then v2
 *   is written back.
 * - A file that cannot be understood is never overwritten: AccountFileError names it and says why.
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
} from 'node:fs'
import path from 'node:path'

import {
  type AccountFile,
  AccountFileFormatError,
  emptyAccountFile,
  type FileFormat,
  migrateAccountFile,
} from './account-file.ts'
import {writeFileAtomic} from './atomic-write.ts'
import {describeJsonSyntaxError} from './json-syntax-error.ts'
import {LockTimeoutError, processIsAlive, withFileLock} from './file-lock.ts'

export interface AccountFilePaths {
  directory: string
  file: string
  lock: string
}

/** `$ATCR_CONFIG_DIR/device.json`, default `~/.atcr/device.json`. */
export function accountFilePaths(env: NodeJS.ProcessEnv, homedir: string): AccountFilePaths {
  const directory = env.ATCR_CONFIG_DIR ? path.resolve(env.ATCR_CONFIG_DIR) : path.join(homedir, '.atcr')
  const file = path.join(directory, 'device.json')
  return {directory, file, lock: `${file}.lock`}
}

export class AccountFileError extends Error {
  readonly file: string
  constructor(file: string, reason: string, options?: {cause?: unknown}) {
    super(`${file}: ${reason}`, options)
    this.name = 'AccountFileError'
    this.file = file
  }
}

/** A file-system error in a few words a person understands (permission denied, the disk is full, …). */
export function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  switch (code) {
    case 'EACCES':
    case 'EPERM': {
      return 'permission denied'
    }
    case 'ENOSPC': {
      return 'the disk is full'
    }
    case 'EROFS': {
      return 'the file system is read-only'
    }
    case 'EISDIR': {
      return 'is a directory, not a file'
    }
    default: {
      return (error as Error).message
    }
  }
}

/** Parse file bytes into v2. Throws AccountFileError naming the file; never touches the disk. */
export function parseAccountFileBytes(
  file: string,
  bytes: Buffer,
): {accounts: AccountFile; format: FileFormat} {
  if (bytes.length === 0) throw new AccountFileError(file, 'the file is empty (expected JSON)')
  let text: string
  try {
    text = new TextDecoder('utf-8', {fatal: true}).decode(bytes)
  } catch {
    throw new AccountFileError(file, 'the file is not UTF-8 text')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new AccountFileError(file, `not valid JSON (${describeJsonSyntaxError(error)})`)
  }
  try {
    const {file: accounts, from} = migrateAccountFile(parsed)
    return {accounts, format: from}
  } catch (error) {
    if (error instanceof AccountFileFormatError) throw new AccountFileError(file, error.message)
    throw error
  }
}

function readBytes(file: string): Buffer | undefined {
  let fd: number | undefined
  try {
    // Non-blocking open and a type check: a FIFO or a device in its place must not block `get` forever.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
    const stats = fstatSync(fd)
    if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), {code: 'EISDIR'})
    if (!stats.isFile()) throw new AccountFileError(file, 'cannot read it: it is not a regular file')
    return readFileSync(fd)
  } catch (error) {
    if (error instanceof AccountFileError) throw error
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new AccountFileError(file, `cannot read it: ${describeIoError(error)}`, {cause: error})
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

export function serializeAccountFile(accounts: AccountFile): string {
  return `${JSON.stringify(accounts, null, 2)}\n`
}

/** First free backup name beside the file: device.json.bak, device.json.bak.1, … */
function backupPathFor(file: string): string {
  let candidate = `${file}.bak`
  for (let n = 1; existsSync(candidate); n++) candidate = `${file}.bak.${n}`
  return candidate
}

function ensureDirectory(directory: string): void {
  try {
    mkdirSync(directory, {recursive: true, mode: 0o700})
  } catch (error) {
    throw new AccountFileError(directory, `cannot create the directory: ${describeIoError(error)}`, {
      cause: error,
    })
  }
}

function writeAccounts(paths: AccountFilePaths, accounts: AccountFile): void {
  try {
    writeFileAtomic(paths.file, serializeAccountFile(accounts), 0o600)
  } catch (error) {
    throw new AccountFileError(
      paths.file,
      `cannot save it: ${describeIoError(error)}; the previous file is unchanged`,
      {
        cause: error,
      },
    )
  }
}

/** Under the lock: read the latest file; if it is an older format, back it up and write v2 back. */
function readLatestMigrating(paths: AccountFilePaths): AccountFile {
  const bytes = readBytes(paths.file)
  if (bytes === undefined) return emptyAccountFile()
  const {accounts, format} = parseAccountFileBytes(paths.file, bytes)
  if (format !== 'v2') {
    const backup = backupPathFor(paths.file)
    try {
      writeFileAtomic(backup, bytes, 0o600)
    } catch (error) {
      throw new AccountFileError(backup, `cannot keep a backup before migrating: ${describeIoError(error)}`, {
        cause: error,
      })
    }
    writeAccounts(paths, accounts)
  }
  return accounts
}

/**
 * Temporary files of writers that died mid-write (`.device.json.<pid>.<suffix>.tmp`, the lock's
 * `.<pid>.<suffix>.new`/`.stale`, the session cache's): never read, but they would pile up. Removed
 * under the lock when their writer's process is gone; anything else in the directory is left alone.
 */
const ABANDONED_FILE =
  /^\.?(?:device\.json|device\.json\.lock|session-cache\.json)\.(\d+)\.[a-z0-9]+\.(?:tmp|new|stale)$/

export function sweepAbandonedFiles(directory: string): number {
  let removed = 0
  let names: string[]
  try {
    names = readdirSync(directory)
  } catch {
    return 0
  }
  for (const name of names) {
    const match = ABANDONED_FILE.exec(name)
    if (!match || Number(match[1]) === process.pid || processIsAlive(Number(match[1]))) continue
    try {
      unlinkSync(path.join(directory, name))
      removed++
    } catch {
      // Gone already, or not ours to remove: harmless either way.
    }
  }
  return removed
}

function locked<T>(paths: AccountFilePaths, action: () => T): T {
  ensureDirectory(paths.directory)
  try {
    return withFileLock(paths.lock, () => {
      sweepAbandonedFiles(paths.directory)
      return action()
    })
  } catch (error) {
    if (error instanceof AccountFileError) throw error
    if (error instanceof LockTimeoutError)
      throw new AccountFileError(paths.file, error.message, {cause: error})
    const code = (error as NodeJS.ErrnoException).code
    if (code)
      throw new AccountFileError(paths.lock, `cannot lock the account file: ${describeIoError(error)}`)
    // The caller's own refusal (a bad request found under the lock) is not a fault of the file.
    throw error
  }
}

/**
 * The accounts as they are now. An older format is migrated (and written back) on the way; an absent
 * file is an empty set of accounts and is not created.
 */
export function loadAccounts(paths: AccountFilePaths): AccountFile {
  const bytes = readBytes(paths.file)
  if (bytes === undefined) return emptyAccountFile()
  const {accounts, format} = parseAccountFileBytes(paths.file, bytes)
  if (format === 'v2') return accounts
  return locked(paths, () => readLatestMigrating(paths))
}

/**
 * Locked read-modify-write. `change` edits the latest accounts in place and returns its result; the file
 * is written only if the serialized content actually changed.
 */
export function updateAccounts<T>(paths: AccountFilePaths, change: (accounts: AccountFile) => T): T {
  return locked(paths, () => {
    const accounts = readLatestMigrating(paths)
    const before = serializeAccountFile(accounts)
    const result = change(accounts)
    const after = serializeAccountFile(accounts)
    if (after !== before) writeAccounts(paths, accounts)
    return result
  })
}
