/**
 * The parts of `login` around its transaction (login-account.ts) that speak to the person or the
 * process, free of oclif: the secret piped to `--with-token`, Ctrl-C during the device flow, what each
 * way a device flow ends means, and the line that says what was saved.
 */
import {AppViewUnreachableError} from '../appview/client.ts'
import type {LoggedInAccount} from '../device-flow/account-changes.ts'
import type {ApprovalResult} from '../device-flow/wait-for-approval.ts'
import {BIN} from '../product.ts'
import {InputTooLargeError, readCapped} from '../stdin/read-capped.ts'
import {AccountsError} from './accounts-error.ts'
import type {SaveLoginResult} from './login-account.ts'

/** A device secret is short: more than this on stdin is not one. */
const MAX_SECRET_BYTES = 4096

/** The text piped to `--with-token`; a terminal on stdin, or too much text, is a usage error (exit 2). */
export async function readPipedSecret(
  stdin: NodeJS.ReadableStream & {isTTY?: boolean},
  login: {host: string; handle: string},
): Promise<string> {
  if (stdin.isTTY)
    throw new AccountsError(
      `--with-token reads the device secret from stdin. Pipe it in: printf %s "$SECRET" | ${BIN} login ${login.host} --with-token --account ${login.handle}`,
      2,
    )
  try {
    return (await readCapped(stdin, MAX_SECRET_BYTES)).toString('utf8')
  } catch (error) {
    if (error instanceof InputTooLargeError)
      throw new AccountsError('stdin is too long to be a device secret.', 2)
    throw error
  }
}

/**
 * Ctrl-C during the device flow cancels it (exit 130, nothing saved): `signal` aborts. Once approved, the
 * same handler only notes it: Node's default action would kill the process in the middle of the locked
 * save and leave the lock file behind. The save completes, then the command stops with 130.
 */
export function watchInterrupt(process: Pick<NodeJS.Process, 'on' | 'removeListener'>): {
  signal: AbortSignal
  interrupted: () => boolean
  stop: () => void
} {
  const controller = new AbortController()
  let interrupted = false
  const onInterrupt = () => {
    interrupted = true
    controller.abort()
  }
  process.on('SIGINT', onInterrupt)
  return {
    signal: controller.signal,
    interrupted: () => interrupted,
    stop: () => process.removeListener('SIGINT', onInterrupt),
  }
}

/** The account a device flow approved, or why there is none (each with what to run next). */
export function approvedAccount(result: ApprovalResult, host: string): LoggedInAccount {
  switch (result.outcome) {
    case 'approved': {
      return {handle: result.handle, did: result.did, deviceSecret: result.deviceSecret}
    }
    case 'expired': {
      throw new AccountsError(
        `The code expired before it was approved. Nothing was saved. Start again: ${BIN} login ${host}`,
      )
    }
    case 'denied': {
      throw new AccountsError(
        `The code was declined on ${host}. Nothing was saved. To try again: ${BIN} login ${host}`,
      )
    }
    case 'failed': {
      throw new AccountsError(
        `The registry stopped answering while waiting for approval: ${result.reason}. Nothing was saved. Try again: ${BIN} login ${host}`,
      )
    }
    case 'cancelled': {
      throw new AccountsError('Login cancelled; nothing was saved.', 130)
    }
  }
}

/** An AppView that cannot be reached during the device flow, said with what to check; others as they are. */
export function deviceFlowError(error: unknown, host: string): unknown {
  if (error instanceof AppViewUnreachableError)
    return new AccountsError(
      `${error.message}.\nCheck the registry name (${host}) and your network, then run: ${BIN} login ${host}`,
    )
  return error
}

/**
 * What was saved, for stderr, and the exit code when the command must stop there: 1 when the person kept
 * the saved login (an answer, not an error), 130 when Ctrl-C came after the approval.
 */
export function savedLoginLine(saved: SaveLoginResult, host: string): {line: string; exit?: number} {
  if (saved.outcome === 'kept')
    return {line: `Kept the saved login of ${saved.handle} on ${host}; nothing was changed.`, exit: 1}
  if (saved.interrupted)
    return {
      line: `Logged in to ${host} as ${saved.handle}: Ctrl-C came after the approval, so the account was saved first.`,
      exit: 130,
    }
  // Which account is active now and which was before (scripts under --json see only the result).
  const before = saved.previousActive
  return {
    line: `Logged in to ${host} as ${saved.handle}, ${
      before === saved.handle ? 'still' : 'now'
    } its active account${before && before !== saved.handle ? ` (before: ${before})` : ''}.`,
  }
}
