/**
 * What login and logout change in the account file. Pure edits of a loaded AccountFile, meant to run
 * inside updateAccounts (locked read-modify-write), so a login is saved whole or not at all.
 */
import type {Account, AccountFile, Storage} from '../config/account-file.ts'
import {activeAccount, findAccount, findRegistry} from '../config/registry-entries.ts'

export interface LoggedInAccount {
  handle: string
  did: string
  deviceSecret: string
}

/** The stored account a login would replace: same handle, or same DID under an older handle. */
export function accountToReplace(
  accounts: AccountFile,
  host: string,
  login: {handle: string; did: string},
): {key: string; account: Account} | undefined {
  const registry = findRegistry(accounts, host)
  if (!registry) return undefined
  return (
    findAccount(registry.entry, login.handle) ??
    (login.did ? findAccount(registry.entry, login.did) : undefined)
  )
}

/**
 * Save a login as the registry's active account. `registryKey` is used only when the registry is new.
 * An account with the same handle or DID is replaced; fields the helper does not know are kept.
 * `appViewUrl` is where the login happened: when it is not the registry's own base URL (a plugin
 * placed the AppView on another host), the account keeps it as `appview_url`, so that `get`, which
 * runs no plugin code, checks the secret with the AppView that issued it.
 */
export function saveLogin(
  accounts: AccountFile,
  input: {host: string; registryKey: string; appViewUrl: string; login: LoggedInAccount; storage?: Storage},
): {replaced: boolean} {
  let registry = findRegistry(accounts, input.host)
  if (!registry) {
    accounts.registries[input.registryKey] = {accounts: {}}
    registry = findRegistry(accounts, input.host)!
  }
  const {entry} = registry
  const {handle, did, deviceSecret} = input.login
  const key = handle.toLowerCase()
  const previous = accountToReplace(accounts, input.host, {handle, did})
  if (previous && previous.key !== key) delete entry.accounts[previous.key]
  const account: Account = {...previous?.account, handle, did, device_secret: deviceSecret}
  // A keychain account's secret is already in the keychain (saveLoginAccount put it there): none here.
  if (input.storage === 'keychain') {
    delete (account as Partial<Account>).device_secret
    account.storage = 'keychain'
  } else delete account.storage
  if (sameBaseUrl(input.appViewUrl, registry.key)) delete account.appview_url
  else account.appview_url = input.appViewUrl
  entry.accounts[key] = account
  // A key like `__proto__` sets the object's prototype instead of an entry: nothing would be saved.
  // Handles are validated before this; this keeps a login from ever reporting a save that did not happen.
  if (!Object.hasOwn(entry.accounts, key) || entry.accounts[key] !== account)
    throw new Error(`cannot save an account under the key ${JSON.stringify(key)}`)
  entry.active = key
  return {replaced: previous !== undefined}
}

/**
 * Remove one account. If it was active, the first remaining account (by handle) becomes active; a
 * registry left with no accounts and nothing else is removed.
 */
export function removeAccount(
  accounts: AccountFile,
  input: {host: string; key: string},
): {removed: boolean; wasActive: boolean; newActive?: string} {
  const registry = findRegistry(accounts, input.host)
  if (!registry || !registry.entry.accounts[input.key]) return {removed: false, wasActive: false}
  const {entry} = registry
  const wasActive = activeAccount(entry)?.key === input.key
  delete entry.accounts[input.key]
  const remaining = Object.keys(entry.accounts).sort()
  let newActive: string | undefined
  if (wasActive) {
    newActive = remaining[0]
    if (newActive) entry.active = newActive
    else delete entry.active
  }
  const onlyKnownFields = Object.keys(entry).every((field) => field === 'accounts' || field === 'active')
  if (remaining.length === 0 && onlyKnownFields) delete accounts.registries[registry.key]
  return {removed: true, wasActive, newActive}
}

function sameBaseUrl(a: string, b: string): boolean {
  const normal = (url: string) => url.toLowerCase().replace(/\/+$/, '')
  return normal(a) === normal(b)
}
