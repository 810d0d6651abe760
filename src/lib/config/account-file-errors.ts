/**
 * What can go wrong with the account file, by cause, and the one place that says it to a person or
 * on a protocol line. Each cause has its own next step, because the wrong advice costs accounts:
 *   - `unusable`: the file cannot be parsed or understood → fix it or move it aside, then log in again;
 *   - `busy`: another docker-credential-atcr holds the lock → try again (nothing is wrong with the file);
 *   - `permission`: the file or its directory is not accessible → the exact `chmod` that fixes it;
 *   - `io`: the disk is full, the file system is read-only, … → that, and that nothing was changed.
 */
import {BIN} from '../product.ts'

export type AccountFileErrorKind = 'unusable' | 'busy' | 'permission' | 'io'

export class AccountFileError extends Error {
  readonly file: string
  readonly kind: AccountFileErrorKind
  /** For `permission`: the command that fixes it (`chmod 700 '/home/me/.atcr'`). */
  readonly fix?: string
  constructor(
    file: string,
    reason: string,
    options: {cause?: unknown; kind?: AccountFileErrorKind; fix?: string} = {},
  ) {
    super(`${file}: ${reason}`, {cause: options.cause})
    this.name = 'AccountFileError'
    this.file = file
    this.kind = options.kind ?? 'unusable'
    if (options.fix !== undefined) this.fix = options.fix
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
    case 'ENOSPC':
    case 'EDQUOT': {
      return 'the disk is full'
    }
    case 'EROFS': {
      return 'the file system is read-only'
    }
    case 'EISDIR': {
      return 'is a directory, not a file'
    }
    case 'ENOTREG': {
      return 'it is not a regular file'
    }
    default: {
      return (error as Error).message
    }
  }
}

export const isPermissionError = (error: unknown) =>
  ['EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException)?.code ?? '')

/** `chmod 700 '/path'`, quoted for a POSIX shell. */
export function chmodCommand(mode: string, target: string): string {
  return `chmod ${mode} '${target.replaceAll("'", `'\\''`)}'`
}

/**
 * An account-file I/O failure as the error of its cause. `fix` names the chmod for a permission
 * problem; other failures keep their reason and say that nothing changed.
 */
export function accountFileIoError(
  file: string,
  doing: string,
  error: unknown,
  permissionFix: () => string,
  {after = ''}: {after?: string} = {},
): AccountFileError {
  const reason = `${doing}: ${describeIoError(error)}${after}`
  if (isPermissionError(error))
    return new AccountFileError(file, reason, {cause: error, kind: 'permission', fix: permissionFix()})
  return new AccountFileError(file, reason, {cause: error, kind: 'io'})
}

export type Audience = 'people' | 'protocol'

/**
 * The message for an account-file error: one line, for a person (people commands print it after
 * `Error: `) or for a protocol answer (stdout, read by the container client and shown to a person).
 */
export function describeAccountFileError(error: AccountFileError, options: {audience: Audience}): string {
  const prefix = options.audience === 'protocol' ? `${BIN}: ` : ''
  const sentence = (text: string) =>
    options.audience === 'protocol' ? text : `${text.charAt(0).toUpperCase()}${text.slice(1)}`
  switch (error.kind) {
    case 'busy': {
      return `${prefix}${sentence(`the account file ${error.message}`)}. Nothing was changed; try again in a moment.`
    }
    case 'permission': {
      return `${prefix}${sentence(`cannot use the account file ${error.message}`)}. Nothing was changed. Fix the permissions, then try again: ${error.fix}`
    }
    case 'io': {
      return `${prefix}${sentence(`cannot use the account file ${error.message}`)}. Nothing was changed; try again once that is fixed.`
    }
    case 'unusable': {
      return options.audience === 'protocol'
        ? `${prefix}cannot use the account file ${error.message}. Nothing was changed; fix or move the file aside, then run: ${BIN} login`
        : `Cannot use the account file ${error.message}. Nothing was changed. Fix the file or move it aside, then run: ${BIN} login`
    }
  }
}
