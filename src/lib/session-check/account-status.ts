/**
 * What `status` reports: every registry and account, the active one marked, each secret checked live
 * (in parallel) unless offline. The result is the documented `status --json` shape; it never holds a
 * secret.
 */
import type {Account, AccountFile} from '../config/account-file.ts'
import {
  activeAccount,
  findAccount,
  findRegistry,
  listRegistries,
  type RegistryMatch,
} from '../config/registry-entries.ts'
import type {SecretCheck} from '../appview/contract.ts'
import {PersonFacingError} from '../errors/person-facing-error.ts'
import {MissingKeychainSecretError, secretOf, storageOf} from '../secret-store/account-secrets.ts'
import {KEYCHAIN_PEOPLE_BUDGET_MS, openKeychain, type Storage} from '../secret-store/secret-store.ts'

/**
 * `keychain_missing`: the file says the secret is in the OS keychain, and the keychain has no such item;
 * `keychain_unavailable`: the keychain could not be asked (missing, locked, refusing; `detail` says).
 */
export type AccountState =
  | 'valid'
  | 'invalid'
  | 'session_expired'
  | 'unreachable'
  | 'unchecked'
  | 'keychain_missing'
  | 'keychain_unavailable'

export interface AccountStatus {
  handle: string
  /** Empty when not known yet. */
  did: string
  active: boolean
  /** Where its device secret lives. */
  storage: Storage
  state: AccountState
  /** Only for `session_expired`: where to sign in again. */
  loginUrl?: string
  /** Only for `unreachable` and `keychain_unavailable`: why the check could not be made. */
  detail?: string
}

export interface RegistryStatus {
  /** Registry host as Docker uses it, `atcr.io`. */
  registry: string
  /** Key of the account file, the AppView base URL, `https://atcr.io`. */
  url: string
  /** Handle of the active account, or null. */
  active: string | null
  accounts: AccountStatus[]
}

export interface StatusReport {
  registries: RegistryStatus[]
  /** True when an account must log in again (invalid secret or expired session). */
  needsLogin: boolean
}

export type SecretChecker = (
  registry: RegistryMatch,
  account: Account,
  deviceSecret: string,
) => Promise<SecretCheck>

/** An account's device secret wherever it lives (secretOf, src/lib/secret-store/account-secrets.ts). */
export type SecretReader = (registry: RegistryMatch, account: Account) => Promise<string>

export function needsLogin(state: AccountState): boolean {
  return state === 'invalid' || state === 'session_expired' || state === 'keychain_missing'
}

/** The secret, or the state that says why there is none to check. */
async function readSecret(
  read: SecretReader,
  registry: RegistryMatch,
  account: Account,
): Promise<{secret: string} | {state: AccountState; detail?: string}> {
  try {
    return {secret: await read(registry, account)}
  } catch (error) {
    if (error instanceof MissingKeychainSecretError) return {state: 'keychain_missing'}
    if (error instanceof PersonFacingError) return {state: 'keychain_unavailable', detail: error.message}
    throw error
  }
}

function statusOf(account: Account, active: boolean, check: SecretCheck | undefined): AccountStatus {
  const status: AccountStatus = {
    handle: account.handle,
    did: account.did,
    active,
    storage: storageOf(account),
    state: check?.state ?? 'unchecked',
  }
  if (check?.state === 'valid' && check.did && !status.did) status.did = check.did
  if (check?.state === 'session_expired') status.loginUrl = check.loginUrl
  if (check?.state === 'unreachable') status.detail = check.reason
  return status
}

export async function collectStatus(
  accounts: AccountFile,
  options: {host?: string; offline: boolean; check: SecretChecker; secretOf?: SecretReader},
): Promise<StatusReport> {
  const read: SecretReader =
    options.secretOf ??
    ((registry, account) =>
      secretOf(registry, account, () => openKeychain({budgetMs: KEYCHAIN_PEOPLE_BUDGET_MS})))
  const registries = listRegistries(accounts)
    .filter((registry) => options.host === undefined || registry.host === options.host)
    .sort((a, b) => a.host.localeCompare(b.host))
  const report = await Promise.all(
    registries.map(async (registry): Promise<RegistryStatus> => {
      const active = activeAccount(registry.entry)
      const entries = Object.entries(registry.entry.accounts).sort(([a], [b]) => a.localeCompare(b))
      const checked = await Promise.all(
        entries.map(async ([key, account]) => {
          // The keychain is asked even offline: it is on this machine, and a missing item needs a login.
          const secret = await readSecret(read, registry, account)
          if ('state' in secret) return {...statusOf(account, active?.key === key, undefined), ...secret}
          const check = options.offline ? undefined : await options.check(registry, account, secret.secret)
          return statusOf(account, active?.key === key, check)
        }),
      )
      return {
        registry: registry.host,
        url: registry.key,
        active: active?.account.handle ?? null,
        accounts: checked,
      }
    }),
  )
  return {
    registries: report,
    needsLogin: report.some((registry) => registry.accounts.some((account) => needsLogin(account.state))),
  }
}

/** How a line's mark is shown: as is, or coloured for a terminal (src/lib/output/colour.ts). */
export type MarkStyle = (mark: string) => string

/** The mark before each account: ✓ signs in, ✗ needs a new login, ? could not be checked; ! marks a note. */
export const STATE_MARKS: Record<AccountState, string> = {
  valid: '✓',
  invalid: '✗',
  session_expired: '✗',
  unreachable: '?',
  unchecked: '-',
  keychain_missing: '✗',
  keychain_unavailable: '?',
}
export const NOTE_MARK = '!'

/** The report as lines for a person; the state words are the `--json` ones where they can be. */
export function formatStatus(report: StatusReport, bin: string, style: MarkStyle = (mark) => mark): string[] {
  const lines: string[] = []
  for (const registry of report.registries) {
    lines.push(registry.registry)
    if (registry.accounts.length === 0) lines.push('  no accounts')
    if (registry.accounts.length > 1 && registry.active === null) {
      lines.push(
        `  ${style(NOTE_MARK)} no active account: a pull or push that names none of these accounts fails. Choose one: ${bin} switch ${registry.registry}`,
      )
    }
    for (const account of registry.accounts) {
      const name = `${account.handle}${account.did ? ` (${account.did})` : ''}${account.active ? ' [active]' : ''}${account.storage === 'keychain' ? ' [keychain]' : ''}`
      const state = {
        valid: 'valid',
        invalid: `secret not accepted (revoked?): run ${bin} login ${registry.registry}`,
        session_expired: `session expired: sign in at ${account.loginUrl || registry.url} or run ${bin} login ${registry.registry}`,
        unreachable: `unreachable (${account.detail ?? 'no answer'})`,
        unchecked: 'not checked (--offline)',
        keychain_missing: `its secret is missing from the OS keychain: run ${bin} login ${registry.registry} --account ${account.handle}`,
        keychain_unavailable: `not checked: ${account.detail ?? 'the OS keychain did not answer'}`,
      }[account.state]
      lines.push(`  ${style(STATE_MARKS[account.state])} ${name}: ${state}`)
    }
  }
  return lines
}

/** A DID the AppView told `status` for an account saved without one (migrated from an older format). */
export interface LearnedDid {
  host: string
  handle: string
  /** The secret that was checked: the DID is recorded only if the account still holds it. */
  deviceSecret: string
  did: string
}

/** The accounts whose DID the checks revealed and the file does not hold yet. */
export function learnedDids(accounts: AccountFile, report: StatusReport): LearnedDid[] {
  const learned: LearnedDid[] = []
  for (const registry of report.registries) {
    const saved = findRegistry(accounts, registry.registry)
    if (!saved) continue
    for (const status of registry.accounts) {
      const account = findAccount(saved.entry, status.handle)?.account
      if (account && account.did === '' && status.did !== '') {
        learned.push({
          host: registry.registry,
          handle: account.handle,
          deviceSecret: account.device_secret,
          did: status.did,
        })
      }
    }
  }
  return learned
}

/**
 * Record learned DIDs, inside a locked update, so that `get` can match image references that name the
 * account by DID. An account that changed meanwhile (new secret, a DID of its own) is left alone.
 */
export function recordLearnedDids(accounts: AccountFile, learned: readonly LearnedDid[]): number {
  let recorded = 0
  for (const item of learned) {
    const account = findAccount(
      findRegistry(accounts, item.host)?.entry ?? {accounts: {}},
      item.handle,
    )?.account
    if (account && account.did === '' && account.device_secret === item.deviceSecret) {
      account.did = item.did
      recorded++
    }
  }
  return recorded
}
