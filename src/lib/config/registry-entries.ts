/**
 * Lookups over the v2 accounts: the registry a host belongs to and the account an identity names.
 * Registry keys are base URLs (`https://atcr.io`); clients hand the helper bare hosts (`atcr.io`).
 */
import {canonicalHost} from '../registry/server-address.ts'
import type {Account, AccountFile, RegistryEntry} from './account-file.ts'
import {accountIndexes, UNANSWERED} from './account-index.ts'

export interface RegistryMatch {
  /** The key as written in the file, `https://atcr.io`. */
  key: string
  /** Canonical host, `atcr.io`. */
  host: string
  entry: RegistryEntry
}

/** Every registry of the file with its canonical host; keys that are not addresses are skipped. */
export function listRegistries(accounts: AccountFile): RegistryMatch[] {
  const found: RegistryMatch[] = []
  for (const [key, entry] of Object.entries(accounts.registries)) {
    const host = canonicalHost(key)
    if (host !== undefined) found.push({key, host, entry})
  }
  return found
}

/** The registries that hold at least one account. */
export function registriesWithAccounts(accounts: AccountFile): RegistryMatch[] {
  return listRegistries(accounts).filter((registry) => Object.keys(registry.entry.accounts).length > 0)
}

/**
 * Whether a registry key can name a canonical host at all. A key's canonical host name is its own host
 * name in lower case (parseServerAddress does not rewrite it), so a key that does not contain it cannot
 * match: most keys are passed over without parsing them, or their registries.
 */
export function keyMayNameHost(key: string, host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.split(':')[0]!
  return key.toLowerCase().includes(name)
}

/** The registry for a canonical host. If two keys name the same host (http and https), the one with accounts wins. */
export function findRegistry(accounts: AccountFile, host: string): RegistryMatch | undefined {
  // Keys first, entries only for this host: a lazily read file (loadAccountsLazily) then parses and
  // checks this registry alone.
  const matches: RegistryMatch[] = []
  for (const key of Object.keys(accounts.registries)) {
    if (!keyMayNameHost(key, host)) continue
    if (canonicalHost(key) === host) matches.push({key, host, entry: accounts.registries[key]!})
  }
  return matches.find((registry) => accountSpread(registry.entry) > 0) ?? matches[0]
}

export function isDid(identity: string): boolean {
  return /^did:[a-z0-9]+:/i.test(identity)
}

/** Handles compare case-insensitively; DIDs compare exactly except for the `did:method:` prefix. */
export function accountMatchesIdentity(account: Account, identity: string): boolean {
  if (isDid(identity)) {
    return account.did !== '' && normalizeDid(account.did) === normalizeDid(identity)
  }
  return account.handle.toLowerCase() === identity.toLowerCase().replace(/^@/, '')
}

function normalizeDid(did: string): string {
  const [, method = '', ...rest] = did.split(':')
  return `did:${method.toLowerCase()}:${rest.join(':')}`
}

/** The account an identity (handle or DID) names in one registry, keyed as stored. */
export function findAccount(
  entry: RegistryEntry,
  identity: string,
): {key: string; account: Account} | undefined {
  // A large registry not parsed yet (account-index.ts): its bytes are searched instead.
  const index = accountIndexes.get(entry)
  if (index) {
    const found = index.find(identity, isDid(identity), (account) =>
      accountMatchesIdentity(account, identity),
    )
    if (found !== UNANSWERED) return found
  }
  for (const [key, account] of Object.entries(entry.accounts)) {
    if (accountMatchesIdentity(account, identity)) return {key, account}
  }
  return undefined
}

export function activeAccount(entry: RegistryEntry): {key: string; account: Account} | undefined {
  if (!entry.active) return undefined
  // Own keys only: an active name like "toString" must not find Object.prototype's member.
  // A large registry not parsed yet (account-index.ts) answers from its bytes, when it can.
  const index = accountIndexes.get(entry)
  const indexed = index ? index.byKey(entry.active) : UNANSWERED
  const direct =
    indexed !== UNANSWERED
      ? indexed
      : Object.hasOwn(entry.accounts, entry.active)
        ? entry.accounts[entry.active]
        : undefined
  if (direct) return {key: entry.active, account: direct}
  return findAccount(entry, entry.active)
}

/**
 * How many accounts a registry holds, as far as choosing one needs: 0, 1, or 2 for several. A large
 * registry not parsed yet (account-index.ts) answers from its bytes.
 */
export function accountSpread(entry: RegistryEntry): 0 | 1 | 2 {
  const spread = accountIndexes.get(entry)?.spread()
  if (spread !== undefined && spread !== UNANSWERED) return spread
  const count = Object.keys(entry.accounts).length
  return count > 1 ? 2 : (count as 0 | 1)
}

/** The registry's one account, when it holds exactly one. */
export function onlyAccount(entry: RegistryEntry): {key: string; account: Account} | undefined {
  const index = accountIndexes.get(entry)
  const spread = index?.spread()
  if (spread === 0 || spread === 2) return undefined
  const only = spread === 1 ? index!.only() : UNANSWERED
  if (only !== UNANSWERED) return only
  const keys = Object.keys(entry.accounts)
  return keys.length === 1 ? {key: keys[0]!, account: entry.accounts[keys[0]!]!} : undefined
}
