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
  accessSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
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
import {AccountFileError, accountFileIoError, chmodCommand, describeIoError} from './account-file-errors.ts'
import {syncDirectory, writeFileAtomic} from './atomic-write.ts'
import {describeJsonSyntaxError} from './json-syntax-error.ts'
import {LockTimeoutError, processIsAlive, withFileLock} from './file-lock.ts'
import {BIN} from '../product.ts'
import {bytesInMemory} from './account-index.ts'
import {type IndexTuning, lazyAccountFile, type RegistrySource, splitCanonical} from './lazy-account-file.ts'
import {FileTooLargeError, readRegularFile} from './read-regular-file.ts'
import {findRegistry, keyMayNameHost, type RegistryMatch} from './registry-entries.ts'
import {layoutProofs} from './layout-proofs.ts'
import {reopenedWhileUnchanged} from './reopened-file.ts'
import {WindowedFile} from './windowed-file.ts'

export {AccountFileError, describeIoError} from './account-file-errors.ts'

/**
 * Far more than any real set of accounts (10 000 accounts take about 2 MiB): a larger file is refused
 * from its size alone, before it is read. A 300 MiB file made `get` take 4–11 s and about 1 GB (issue 17).
 */
export const MAX_ACCOUNT_FILE_BYTES = 16 * 1024 * 1024

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

/** Creating, replacing or locking files needs a writable directory: 0700 is what it should be. */
const directoryFix = (paths: Pick<AccountFilePaths, 'directory'>) => () =>
  chmodCommand('700', paths.directory)

/** Reading needs the directory searchable and the file readable: whichever is missing. */
const readFix = (paths: Pick<AccountFilePaths, 'directory' | 'file'>) => () => {
  try {
    accessSync(paths.directory, constants.X_OK)
  } catch {
    return chmodCommand('700', paths.directory)
  }
  return chmodCommand('600', paths.file)
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

const MIB = 1024 * 1024
const mebibytes = (bytes: number) => `${Math.round((bytes / MIB) * 10) / 10} MiB`

/** The account file is over MAX_ACCOUNT_FILE_BYTES: one line naming it and its size. */
function tooLarge(file: string, size: number, cause?: unknown): AccountFileError {
  return new AccountFileError(
    file,
    `it is ${mebibytes(size)} (${size} bytes), more than an account file may be (${mebibytes(MAX_ACCOUNT_FILE_BYTES)})`,
    {cause},
  )
}

function readBytes(paths: Pick<AccountFilePaths, 'directory' | 'file'>): Buffer | undefined {
  try {
    // Non-blocking open and a type check: a FIFO or a device in its place must not block `get` forever;
    // the size is checked on the descriptor before a byte is read.
    return readRegularFile(paths.file, {maxBytes: MAX_ACCOUNT_FILE_BYTES})
  } catch (error) {
    if (error instanceof FileTooLargeError) throw tooLarge(paths.file, error.size, error)
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOTREG' || code === 'EISDIR')
      throw new AccountFileError(paths.file, `cannot read it: ${describeIoError(error)}`, {cause: error})
    throw accountFileIoError(paths.file, 'cannot read it', error, readFix(paths))
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
    throw accountFileIoError(directory, 'cannot create the directory', error, () =>
      chmodCommand('u+w', path.dirname(directory)),
    )
  }
}

/** Replace the file atomically; the directory is made durable by the caller, after the lock is released. */
function writeAccounts(paths: AccountFilePaths, text: string): void {
  try {
    writeFileAtomic(paths.file, text, 0o600, {syncDirectory: false})
  } catch (error) {
    throw accountFileIoError(paths.file, 'cannot save it', error, directoryFix(paths), {
      after: '; the previous file is unchanged',
    })
  }
}

/** The parsed file with the bytes it came from, so that a second read of the same bytes costs no parse. */
interface ReadFile {
  bytes: Buffer
  accounts: AccountFile
  format: FileFormat
}

function readParsed(paths: AccountFilePaths): ReadFile | undefined {
  const bytes = readBytes(paths)
  if (bytes === undefined) return undefined
  return {bytes, ...parseAccountFileBytes(paths.file, bytes)}
}

/** Under the lock: the latest file; an older format is backed up and written back as v2. */
function readLatestMigrating(paths: AccountFilePaths, before?: ReadFile): AccountFile {
  const bytes = readBytes(paths)
  if (bytes === undefined) return emptyAccountFile()
  const {accounts, format} =
    before !== undefined && before.bytes.equals(bytes) ? before : parseAccountFileBytes(paths.file, bytes)
  if (format !== 'v2') {
    const backup = backupPathFor(paths.file)
    try {
      writeFileAtomic(backup, bytes, 0o600)
    } catch (error) {
      throw accountFileIoError(backup, 'cannot keep a backup before migrating', error, directoryFix(paths))
    }
    writeAccounts(paths, serializeAccountFile(accounts))
  }
  return accounts
}

/**
 * Temporary files of writers that died mid-write (`.device.json.<pid>.<suffix>.tmp`, the lock's
 * `.<pid>.<suffix>.new`/`.stale`, the session cache's and its check markers): never read, but they
 * would pile up. Removed when their writer's process is gone; anything else in the directory is left
 * alone. No lock is needed: a file whose process is gone is nobody's.
 */
const ABANDONED_FILE =
  /^\.?(?:device\.json|device\.json\.lock|session-cache\.json|session-cache\.json\.lock|account-proofs\.json)\.(\d+)\.[a-z0-9]+\.(?:tmp|new|stale)$/

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

/** How long a writer waits for the lock in all: a burst of a few hundred writers on two cores fits. */
export const LOCK_BUDGET_MS = 60_000
/** After this long waiting, people are told (`onWait`). */
export const WAIT_NOTICE_MS = 1000

export interface LockedOptions {
  /** Called once, with a line for a person, when the lock has been busy for a second. */
  onWait?: (line: string) => void
  /** Overall wait for the lock (default LOCK_BUDGET_MS). */
  timeoutMs?: number
}

function locked<T>(paths: AccountFilePaths, options: LockedOptions, action: () => T): T {
  ensureDirectory(paths.directory)
  const {onWait} = options
  try {
    return withFileLock(paths.lock, action, {
      timeoutMs: options.timeoutMs ?? LOCK_BUDGET_MS,
      waitNoticeMs: WAIT_NOTICE_MS,
      onWait:
        onWait &&
        ((holder) =>
          onWait(
            `Waiting for another ${BIN}${holder.pid ? ` (process ${holder.pid})` : ''} to finish writing ${paths.file}…`,
          )),
    })
  } catch (error) {
    if (error instanceof AccountFileError) throw error
    if (error instanceof LockTimeoutError)
      throw new AccountFileError(
        paths.file,
        `busy: another ${BIN} is writing it (waited ${Math.round(error.waitedMs / 1000)} s for ${paths.lock})`,
        {cause: error, kind: 'busy'},
      )
    if ((error as NodeJS.ErrnoException).code)
      throw accountFileIoError(paths.lock, 'cannot lock the account file', error, directoryFix(paths))
    // The caller's own refusal (a bad request found under the lock) is not a fault of the file.
    throw error
  } finally {
    // The sweep needs no lock: done once the next writer may go on.
    sweepAbandonedFiles(paths.directory)
  }
}

/**
 * The accounts as they are now, every registry and account checked: what people commands use before
 * they act. An older format is migrated (and written back) on the way; an absent file is an empty set
 * of accounts and is not created.
 */
export function loadAccounts(paths: AccountFilePaths, options: LockedOptions = {}): AccountFile {
  const read = readParsed(paths)
  if (read === undefined) return emptyAccountFile()
  if (read.format === 'v2') return read.accounts
  const accounts = locked(paths, options, () => readLatestMigrating(paths, read))
  syncDirectory(paths.directory)
  return accounts
}

/**
 * Locked read-modify-write. `change` edits the latest accounts in place and returns its result; the file
 * is written only if the serialized content actually changed. The file is read and parsed before the
 * lock is taken; under the lock it is read again, and parsed again only if another writer changed it.
 */
export function updateAccounts<T>(
  paths: AccountFilePaths,
  change: (accounts: AccountFile) => T,
  options: LockedOptions = {},
): T {
  const before = readParsed(paths)
  const beforeText = before?.format === 'v2' ? serializeAccountFile(before.accounts) : undefined
  let wrote = false
  const result = locked(paths, options, () => {
    const accounts = readLatestMigrating(paths, before)
    const text =
      accounts === before?.accounts && beforeText !== undefined ? beforeText : serializeAccountFile(accounts)
    const changed = change(accounts)
    const after = serializeAccountFile(accounts)
    if (after !== text) {
      writeAccounts(paths, after)
      wrote = true
    }
    return changed
  })
  // Durability of the rename needs no lock: the next writer goes on meanwhile.
  if (wrote) syncDirectory(paths.directory)
  return result
}

/**
 * The accounts for a lookup that uses only part of them (`get`, `list`, the looks `store` and `erase`
 * take before the lock): each registry is parsed and checked when it is used (lazy-account-file.ts),
 * so the cost does not grow with accounts elsewhere and a problem elsewhere does not fail this lookup.
 * A registry that cannot be understood is refused where it is used, with the error a full read gives.
 * Writes and people commands use loadAccounts/updateAccounts, which check everything.
 */
export function loadAccountsLazily(paths: AccountFilePaths): AccountFile {
  const bytes = readBytes(paths)
  if (bytes === undefined) return emptyAccountFile()
  // Any problem found in a registry is reported as a full read of the file reports it.
  const fail = (error: unknown): never => {
    parseAccountFileBytes(paths.file, bytes)
    if (error instanceof AccountFileFormatError) throw new AccountFileError(paths.file, error.message)
    throw error
  }
  const split = splitCanonical(bytes)
  if (split && split.top.version === 2) {
    const inMemory = bytesInMemory(bytes)
    return lazyAccountFile(
      split.top,
      split.registries.map(({key, start, end}): [string, RegistrySource] => [
        key,
        {bytes, start, end, later: inMemory},
      ]),
      fail,
    )
  }
  // Another layout: parse it whole (an older format is migrated as loadAccounts does).
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', {fatal: true}).decode(bytes))
  } catch {
    parsed = undefined
  }
  const top = parsed as Record<string, unknown> | undefined
  if (
    typeof top !== 'object' ||
    top === null ||
    Array.isArray(top) ||
    top.version !== 2 ||
    typeof top.registries !== 'object' ||
    top.registries === null ||
    Array.isArray(top.registries)
  )
    return loadAccounts(paths)
  const registries = top.registries as Record<string, unknown>
  return lazyAccountFile(
    top,
    Object.keys(registries).map((key): [string, RegistrySource] => [key, {value: registries[key]}]),
    fail,
  )
}

/**
 * The registry of the account file for a host, as findRegistry(loadAccountsLazily(paths), host) finds it,
 * reading less: in the layout the helper writes, the file is read through a 256 KiB window
 * (windowed-file.ts) and only the registries whose key can name the host are kept and parsed, so a file
 * of 10 000 accounts costs a few passes over the page cache and no memory of its size; a large registry's
 * accounts stay in the file (account-index.ts), which is opened again to answer questions about them
 * while it is unchanged (reopened-file.ts). Anything else (no file, another layout, a registry that
 * cannot be understood, a file that shrinks while read) is looked up the ordinary way, which also says
 * exactly what is wrong: the fast way never fails on its own.
 */
export function findRegistryInFile(
  paths: AccountFilePaths,
  host: string,
  tuning: WindowTuning = {},
): RegistryMatch | undefined {
  const windowed = findRegistryWindowed(paths, host, tuning)
  return windowed ? windowed.registry : findRegistry(loadAccountsLazily(paths), host)
}

/** The sizes a test may make small: the window the file is read through, and the index's (IndexTuning). */
export interface WindowTuning extends IndexTuning {
  windowBytes?: number
}

function findRegistryWindowed(
  paths: AccountFilePaths,
  host: string,
  {windowBytes, ...indexTuning}: WindowTuning,
): {registry: RegistryMatch | undefined} | undefined {
  let fd: number
  try {
    // Non-blocking and type-checked on the descriptor, as readRegularFile opens it: a FIFO must not block.
    fd = openSync(paths.file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch {
    return undefined
  }
  try {
    const stats = fstatSync(fd, {bigint: true})
    // Too large or not a file: the ordinary way says what is wrong.
    if (!stats.isFile() || stats.size > MAX_ACCOUNT_FILE_BYTES) return undefined
    const file = new WindowedFile(fd, Number(stats.size), windowBytes)
    const split = splitCanonical(file)
    if (!split || split.top.version !== 2) return undefined
    const later = reopenedWhileUnchanged(paths.file, stats, windowBytes)
    const proofs = layoutProofs(paths.directory, stats)
    const sources: [string, RegistrySource][] = []
    for (const {key, start, end} of split.registries) {
      if (!keyMayNameHost(key, host)) continue
      // The registries are parsed below, while the file is open; a large one's accounts are asked of `later`.
      sources.push([key, {bytes: file, start, end, later, proofs}])
    }
    const fail = (error: unknown): never => {
      throw error
    }
    // Accounts asked for after the file changed: those of the file as it is now.
    const reread = () => findRegistry(loadAccountsLazily(paths), host)?.entry.accounts ?? {}
    return {
      registry: findRegistry(lazyAccountFile(split.top, sources, fail, {...indexTuning, reread}), host),
    }
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}
