/**
 * `login`'s transaction, once the AppView has handed over a device secret (the device flow, or a secret
 * piped to `--with-token` and checked): validate the identity, ask before replacing a saved login, save
 * the account as the registry's active one, then retire the replaced secret at the AppView that issued
 * it. Free of oclif and of the process: the command passes the store, the prompter, the AppView clients
 * and an "interrupted" predicate (Ctrl-C), and presents the result.
 *
 * A secret this run was issued (`issuedHere`) is revoked on every path that does not keep it; a secret
 * the person piped in is theirs and is never revoked here.
 */
import type {AppViewClient} from '../appview/client.ts'
import type {AccountFile, Storage} from '../config/account-file.ts'
import {activeAccount, findRegistry, isDid} from '../config/registry-entries.ts'
import {accountToReplace, type LoggedInAccount, saveLogin} from '../device-flow/account-changes.ts'
import {deviceSecretProblem, issuedSecretProblem} from '../device-secret.ts'
import {BIN, DEVICE_SECRET_PREFIX} from '../product.ts'
import {HANDLE} from '../protocol/verbs.ts'
import {cannotAskWithoutTerminal, type Prompter} from '../prompts/prompter.ts'
import {MissingKeychainSecretError, secretOf, storageOf} from '../secret-store/account-secrets.ts'
import {
  KEYCHAIN_PEOPLE_BUDGET_MS,
  keychainLocation,
  openKeychain,
  type SecretStore,
} from '../secret-store/secret-store.ts'
import {AccountsError} from './accounts-error.ts'
import type {AccountStore} from './accounts-on-disk.ts'

/** A handle as `store` accepts one (a domain name), or why not. */
export function handleProblem(handle: string): string | undefined {
  if (HANDLE.test(handle)) return undefined
  return isDid(handle) ? 'a DID, not a handle' : 'not a domain name'
}

/** The identity an AppView returned is one `store` would accept: a handle, and a DID or nothing. */
export function loginIdentityProblem(login: {handle: string; did: string}): string | undefined {
  const problem = handleProblem(login.handle)
  if (problem) return `the handle it returned is ${problem}`
  if (login.did !== '' && !isDid(login.did)) return 'the DID it returned is not a DID'
  return undefined
}

/** `--account` of `--with-token`: the handle the secret belongs to (an @ is allowed, as everywhere). */
export function handleForAccountFlag(account: string | undefined, host: string): string {
  if (!account)
    throw new AccountsError(
      `--with-token needs the account the secret belongs to. Pass --account <handle>.`,
      2,
    )
  const handle = account.trim().replace(/^@/, '').toLowerCase()
  const problem = handleProblem(handle)
  if (problem)
    throw new AccountsError(
      `--account must be the handle the secret belongs to, a domain name like alice.bsky.social; the value given is ${problem === 'not a domain name' ? 'not one' : problem}. Example: ${BIN} login ${host} --with-token --account alice.bsky.social`,
      2,
    )
  return handle
}

/** A piped secret, checked with the AppView (spec §3); the DID comes from the token it returns. */
export async function checkPipedSecret(input: {
  client: Pick<AppViewClient, 'baseUrl' | 'checkSecret'>
  host: string
  handle: string
  text: string
}): Promise<LoggedInAccount> {
  const {client, host, handle} = input
  const deviceSecret = input.text.trim()
  // The one rule store and the device flow share (an ESC or another control character included).
  if (deviceSecretProblem(deviceSecret) !== undefined) {
    throw new AccountsError(
      `stdin does not hold an ATCR device secret (one word starting with ${DEVICE_SECRET_PREFIX}). Nothing was saved.`,
      2,
    )
  }
  const check = await client.checkSecret({handle, deviceSecret, service: host})
  switch (check.state) {
    case 'valid': {
      if (check.did !== '' && !isDid(check.did))
        throw new AccountsError(
          `${host} vouched for this secret with a subject that is not a DID. Nothing was saved.`,
        )
      return {handle, did: check.did, deviceSecret}
    }
    case 'invalid': {
      throw new AccountsError(
        `${host} does not accept this device secret for ${handle} (unknown or revoked). Nothing was saved. Run: ${BIN} login ${host}`,
      )
    }
    case 'session_expired': {
      throw new AccountsError(
        `The AT Protocol session behind this device secret expired. Sign in again at ${check.loginUrl || client.baseUrl}, then retry. Nothing was saved.`,
      )
    }
    case 'unreachable': {
      throw new AccountsError(
        `Cannot check the secret: the AppView at ${client.baseUrl} did not answer (${check.reason}). Nothing was saved; try again later.`,
      )
    }
  }
}

export interface SaveLoginInput {
  /** Canonical host, `atcr.io`. */
  host: string
  /** The key a new registry gets in the account file (the registry's own base URL). */
  registryKey: string
  /** The AppView this login went through. */
  client: Pick<AppViewClient, 'baseUrl' | 'revokeDevice'>
  /** The AppView of an account already saved (its `appview_url`, else the registry's): where its secret is revoked. */
  clientFor: (accountAppViewUrl: string | undefined) => Promise<Pick<AppViewClient, 'revokeDevice'>>
  login: LoggedInAccount
  /** This run's device flow was issued the secret (else the person piped it in). */
  issuedHere: boolean
  /** --yes: replace a saved login without asking. */
  yes: boolean
  /** Present only when a person can answer at a terminal. */
  prompter?: Prompter
  store: AccountStore
  /** True once Ctrl-C was pressed: the save still completes, the rest is skipped. */
  interrupted?: () => boolean
  /** A line for the person (stderr) about what happened before an error is thrown. */
  note?: (line: string) => void
  /** Where the secret goes (default: the file). */
  storage?: Storage
  /** The OS keychain, opened only when a secret is (or was) there (default: openKeychain). */
  keychain?: () => Promise<SecretStore>
}

export interface SaveLoginResult {
  outcome: 'saved' | 'kept'
  /** Handle of the account saved, or of the saved login kept. */
  handle: string
  did: string
  /** An account with this handle or DID was already saved and has been replaced. */
  replaced: boolean
  /** Handle of the registry's active account before, or null. */
  previousActive: string | null
  /** Ctrl-C came after the approval: the account was saved, the replaced secret was not revoked. */
  interrupted: boolean
}

/**
 * Validate, ask, save, retire. Throws AccountsError (or PromptCancelledError for a cancelled question)
 * after revoking a secret this run was issued and will not keep.
 */
export async function saveLoginAccount(input: SaveLoginInput): Promise<SaveLoginResult> {
  const {host, login, client} = input
  /** Revoke a secret this run was issued and will not keep; say how that went, for the person. */
  const retire = async (): Promise<string> => {
    if (!input.issuedHere) return ''
    const revoked = await client.revokeDevice({handle: login.handle, deviceSecret: login.deviceSecret})
    return revoked
      ? '; the secret it issued was revoked'
      : `; the secret it issued could not be revoked (${client.baseUrl} did not confirm)`
  }
  const retiring = async <T>(step: () => T | Promise<T>): Promise<T> => {
    try {
      return await step()
    } catch (error) {
      await retire()
      throw error
    }
  }

  const problem = issuedSecretProblem(login) ?? loginIdentityProblem(login)
  if (problem) {
    const retired = await retire()
    throw new AccountsError(
      `The AppView at ${client.baseUrl} approved the login, but ${problem}${retired}. Nothing was saved.`,
    )
  }

  const storage = input.storage ?? 'file'
  let store: SecretStore | undefined
  const keychain = async () =>
    (store ??= await (input.keychain ?? (() => openKeychain({budgetMs: KEYCHAIN_PEOPLE_BUDGET_MS})))())
  const file = await retiring(() => input.store.load())
  const previous = accountToReplace(file, host, login)
  const registryKey = findRegistry(file, host)?.key ?? input.registryKey
  // The saved secret, wherever it lives; a keychain item already gone is no secret to keep or revoke.
  const previousSecret =
    previous &&
    (await retiring(() =>
      secretOf({key: registryKey, host}, previous.account, keychain).catch((error: unknown) => {
        if (error instanceof MissingKeychainSecretError) return undefined
        throw error
      }),
    ))
  const replacing = previous !== undefined && previousSecret !== login.deviceSecret
  if (replacing && !input.yes) {
    const question = `${previous.account.handle} is already logged in to ${host}. Replace its saved login?`
    if (!input.prompter) {
      await retire()
      throw new AccountsError(cannotAskWithoutTerminal(question, '--yes to replace it'), 2)
    }
    // Replacing is destructive (the saved secret is revoked): the answer defaults to No.
    const replace = await retiring(() => input.prompter!.confirm(question, {initial: false}))
    if (!replace) {
      await retire()
      return {
        outcome: 'kept',
        handle: previous.account.handle,
        did: previous.account.did,
        replaced: false,
        previousActive: null,
        interrupted: false,
      }
    }
  }

  // Into the keychain first: the file then names an item that exists.
  if (storage === 'keychain') {
    try {
      await (await keychain()).set(keychainLocation(registryKey, login.handle), login.deviceSecret)
    } catch (error) {
      input.note?.(`The login of ${login.handle} was approved but could not be saved${await retire()}.`)
      throw error
    }
  }
  const save = (accounts: AccountFile) => {
    const before = findRegistry(accounts, host)
    const previousActive = before ? (activeAccount(before.entry)?.account.handle ?? null) : null
    const {replaced} = saveLogin(accounts, {
      host,
      registryKey: before?.key ?? input.registryKey,
      appViewUrl: client.baseUrl,
      login,
      storage,
    })
    return {replaced, previousActive}
  }
  let saved: ReturnType<typeof save>
  try {
    saved = input.store.update(save)
  } catch (error) {
    input.note?.(`The login of ${login.handle} was approved but could not be saved${await retire()}.`)
    throw error
  }

  // A replaced keychain item that the new login does not overwrite (now in the file, or a new handle).
  if (
    previous &&
    storageOf(previous.account) === 'keychain' &&
    (storage === 'file' || previous.account.handle !== login.handle)
  ) {
    await (
      await keychain()
    )
      .delete(keychainLocation(registryKey, previous.account.handle))
      .catch((error: unknown) =>
        input.note?.(
          `The old keychain item of ${previous.account.handle} is still there (${(error as Error).message}).`,
        ),
      )
  }
  const interrupted = input.interrupted?.() ?? false
  if (replacing && !interrupted && previousSecret !== undefined) {
    // The replaced secret is of no further use: retire it (best effort) at the AppView that issued it,
    // which is that account's own, not necessarily the one this login went through.
    const owner = await input.clientFor(previous.account.appview_url)
    await owner.revokeDevice({handle: previous.account.handle, deviceSecret: previousSecret})
  }
  return {outcome: 'saved', handle: login.handle, did: login.did, ...saved, interrupted}
}
