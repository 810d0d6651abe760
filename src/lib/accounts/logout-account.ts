/**
 * `logout`: which registry and which account, decided from the arguments, the account file or a
 * question; a confirmation; then the one order that never costs an account:
 *
 *   1. prove the local change can be saved (lock taken, directory writable) — else nothing is revoked;
 *   2. revoke the secret at the account's own AppView (best effort);
 *   3. remove the account, and the removed secret from any backup beside the file.
 *
 * When step 3 still fails after step 2, the error says exactly that. Free of oclif: the command passes
 * the store, the prompter and the revocation, and presents the result.
 */
import type {Account, AccountFile} from '../config/account-file.ts'
import {activeAccount, findAccount, findRegistry, type RegistryMatch} from '../config/registry-entries.ts'
import {removeAccount} from '../device-flow/account-changes.ts'
import {BIN} from '../product.ts'
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
import {accountChoice, chooseRegistry} from './choose-registry.ts'

/** What `logout --json` prints. Handles only: never a secret. */
export interface LogoutResult {
  registry: string
  /** Handle of the removed account. */
  removed: string
  /** Whether the AppView confirmed the device secret is revoked (best effort). */
  revoked: boolean
  /** Handle of the registry's active account now, or null. */
  active: string | null
}

export interface LogoutTarget {
  registry: RegistryMatch
  key: string
  account: Account
}

export interface LogoutInput {
  /** Canonical host of the REGISTRY argument, if one was given. */
  registryHost?: string
  /** The `--account` flag: a handle or a DID. */
  account?: string
  /** --yes: no confirmation. */
  yes: boolean
  /** Present only when a person can answer at a terminal. */
  prompter?: Prompter
  store: AccountStore
  /** Revoke an account's secret at its own AppView; true when the AppView confirmed. Never throws. */
  revoke: (host: string, account: Account, deviceSecret: string) => Promise<boolean>
  /** The OS keychain, opened only when the account's secret is there (default: openKeychain). */
  keychain?: () => Promise<SecretStore>
}

export type LogoutOutcome =
  | {outcome: 'declined'; target: LogoutTarget}
  | {
      outcome: 'logged out'
      result: LogoutResult
      /** The account that became active because the removed one was, if any. */
      newActive?: string
      /** Backups beside the account file the removed secret was scrubbed from. */
      scrubbedBackups: string[]
      /** A backup that still holds the secret, and why. */
      backupProblem?: string
      /** A keychain account whose item could not be deleted after the account was removed, and why. */
      keychainProblem?: string
    }

/** The registry and account to log out: named, the only one, or chosen at a terminal. */
export async function chooseAccountToLogOut(
  accounts: AccountFile,
  input: Pick<LogoutInput, 'registryHost' | 'account' | 'prompter'>,
): Promise<LogoutTarget> {
  const registry = await chooseRegistry(accounts, {
    registryHost: input.registryHost,
    prompter: input.prompter,
    verb: 'logout',
    question: 'Which registry to log out from?',
  })
  const {accounts: byKey} = registry.entry
  if (input.account !== undefined) {
    const found = findAccount(registry.entry, input.account)
    if (!found)
      throw new AccountsError(
        `${input.account} is not an account of ${registry.host}. Accounts: ${Object.values(byKey)
          .map((account) => account.handle)
          .join(', ')}`,
      )
    return {registry, ...found}
  }
  const keys = Object.keys(byKey).sort()
  if (keys.length === 1) return {registry, key: keys[0]!, account: byKey[keys[0]!]!}
  const question = `Which account of ${registry.host} to log out?`
  if (!input.prompter) throw new AccountsError(cannotAskWithoutTerminal(question, '--account HANDLE|DID'), 2)
  const current = activeAccount(registry.entry)?.key
  const key = await input.prompter.select(
    question,
    keys.map((candidate) => accountChoice(candidate, byKey[candidate]!, current)),
  )
  if (!Object.hasOwn(byKey, key))
    throw new Error(`the answer ${JSON.stringify(key)} is not one of the choices`)
  return {registry, key, account: byKey[key]!}
}

/** Choose, confirm, prove, revoke, remove. */
export async function logoutAccount(input: LogoutInput): Promise<LogoutOutcome> {
  const target = await chooseAccountToLogOut(input.store.load(), input)
  const {host} = target.registry
  const {handle} = target.account
  if (!input.yes) {
    const question = `Log out ${handle} from ${host}?`
    if (!input.prompter) throw new AccountsError(cannotAskWithoutTerminal(question, '--yes'), 2)
    // Destructive: the answer defaults to No.
    if (!(await input.prompter.confirm(question, {initial: false}))) return {outcome: 'declined', target}
  }

  // 1. Throws the store's own error (read-only, permission denied, busy) before anything is revoked;
  // a keychain that is locked or refuses (its KeychainError) stops here too.
  input.store.proveWritable()
  const keychain = input.keychain ?? (() => openKeychain({budgetMs: KEYCHAIN_PEOPLE_BUDGET_MS}))
  const inKeychain = storageOf(target.account) === 'keychain'
  let secret: string | undefined
  try {
    secret = await secretOf(target.registry, target.account, keychain)
  } catch (error) {
    // An item already gone has nothing left to revoke or delete: the account is removed all the same.
    if (!(error instanceof MissingKeychainSecretError)) throw error
  }
  // 2.
  const revoked = secret === undefined ? false : await input.revoke(host, target.account, secret)
  // 3.
  let outcome: Extract<LogoutOutcome, {outcome: 'logged out'}>
  try {
    outcome = input.store.update((accounts) => {
      const change = removeAccount(accounts, {host, key: target.key})
      const now = findRegistry(accounts, host)
      let scrubbedBackups: string[] = []
      let backupProblem: string | undefined
      try {
        if (secret !== undefined) scrubbedBackups = input.store.scrubBackups(secret)
      } catch (error) {
        backupProblem = (error as Error).message
      }
      return {
        outcome: 'logged out' as const,
        result: {
          registry: host,
          removed: handle,
          revoked,
          active: now ? (activeAccount(now.entry)?.account.handle ?? null) : null,
        },
        newActive: change.newActive ? now?.entry.accounts[change.newActive]?.handle : undefined,
        scrubbedBackups,
        backupProblem,
      }
    })
  } catch (error) {
    const what = revoked
      ? `The secret of ${handle} was revoked on ${host}`
      : `The revocation of ${handle}'s secret was sent to ${host} (not confirmed)`
    throw new AccountsError(
      `${what}, but the account could not be removed: ${(error as Error).message}. It is still saved, with a secret that may no longer work; once the file can be written, run: ${BIN} logout ${host} --account ${handle} --yes`,
    )
  }
  // 4. The keychain item, once the account is gone from the file.
  if (inKeychain && secret !== undefined) {
    try {
      await (await keychain()).delete(keychainLocation(target.registry.key, handle))
    } catch (error) {
      outcome.keychainProblem = (error as Error).message
    }
  }
  return outcome
}
