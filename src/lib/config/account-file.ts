/**
 * The account file (`~/.atcr/device.json`, spec/config.md): its v2 shape, validation, and migration
 * from the two older formats. Pure functions over parsed JSON; reading and writing live in store.ts.
 */

/** Where an account's device secret lives (issue 19): this file (the default), or the OS keychain. */
export const STORAGES = ['file', 'keychain'] as const
export type Storage = (typeof STORAGES)[number]

export interface Account {
  handle: string
  /** May be empty when not yet known (an account stored by `docker login`). */
  did: string
  /**
   * Absent when `storage` is `keychain`: read an account's secret with secretOf
   * (src/lib/secret-store/account-secrets.ts), never from here directly.
   */
  device_secret: string
  /** Absent for `file`, what every version before keychain support wrote. */
  storage?: Storage
  /** Overrides the registry's AppView base URL (old configs carry one). */
  appview_url?: string
  [unknownField: string]: unknown
}

export interface RegistryEntry {
  /** Handle of the active account; missing or empty means none is active. */
  active?: string
  accounts: Record<string, Account>
  [unknownField: string]: unknown
}

export interface AccountFile {
  version: 2
  /** Keyed by registry base URL, `https://atcr.io`. */
  registries: Record<string, RegistryEntry>
  [unknownField: string]: unknown
}

export type FileFormat = 'v2' | 'legacy-single-device' | 'multi-registry'

export class AccountFileFormatError extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'AccountFileFormatError'
  }
}

export function emptyAccountFile(): AccountFile {
  return {version: 2, registries: {}}
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new AccountFileFormatError(`${where} must be a non-empty string`)
  }
  return value
}

/**
 * Where in the file a value sits, as a person reads it: `registries["https://atcr.io"].accounts["alice"]`.
 * Built only for an error message: checking ten thousand accounts must not build ten thousand strings.
 */
const registryWhere = (url: string) => `registries[${JSON.stringify(url)}]`
const accountWhere = (url: string, key: string) => `${registryWhere(url)}.accounts[${JSON.stringify(key)}]`

const isString = (value: unknown, allowEmpty: boolean) =>
  typeof value === 'string' && (allowEmpty || value !== '')

function stringError(where: string, allowEmpty: boolean): AccountFileFormatError {
  return new AccountFileFormatError(`${where} must be a${allowEmpty ? '' : ' non-empty'} string`)
}

function validateAccount(value: unknown, url: string, key: string): Account {
  if (!isObject(value)) throw new AccountFileFormatError(`${accountWhere(url, key)} must be an object`)
  if (!isString(value.handle, false)) throw stringError(`${accountWhere(url, key)}.handle`, false)
  if (value.storage !== undefined && !(STORAGES as readonly unknown[]).includes(value.storage))
    throw new AccountFileFormatError(`${accountWhere(url, key)}.storage must be "file" or "keychain"`)
  // A keychain account's secret is in the keychain; versions before keychain support stop here on it.
  if (value.storage !== 'keychain' && !isString(value.device_secret, false))
    throw stringError(`${accountWhere(url, key)}.device_secret`, false)
  if (value.did === undefined) value.did = ''
  if (!isString(value.did, true)) throw stringError(`${accountWhere(url, key)}.did`, true)
  if (value.appview_url !== undefined && !isString(value.appview_url, true))
    throw stringError(`${accountWhere(url, key)}.appview_url`, true)
  return value as Account
}

/** Check one registry entry of a v2 document in place, with every account in it. */
export function validateRegistryEntry(entry: unknown, url: string): RegistryEntry {
  if (!isObject(entry)) throw new AccountFileFormatError(`${registryWhere(url)} must be an object`)
  if (entry.accounts === undefined) entry.accounts = {}
  if (!isObject(entry.accounts))
    throw new AccountFileFormatError(`${registryWhere(url)}.accounts must be an object`)
  if (entry.active === null) delete entry.active
  if (entry.active !== undefined && !isString(entry.active, true))
    throw stringError(`${registryWhere(url)}.active`, true)
  const accounts = entry.accounts
  for (const key in accounts) {
    if (Object.hasOwn(accounts, key)) validateAccount(accounts[key], url, key)
  }
  return entry as RegistryEntry
}

/** Check the top level of a parsed v2 document (not its registries); unknown fields are kept. */
export function validateTopLevel(value: unknown): AccountFile {
  if (!isObject(value)) throw new AccountFileFormatError('the top level must be a JSON object')
  if (value.version !== 2)
    throw new AccountFileFormatError(`unsupported version ${JSON.stringify(value.version)}`)
  if (value.registries === undefined) value.registries = {}
  if (!isObject(value.registries)) throw new AccountFileFormatError('"registries" must be an object')
  return value as unknown as AccountFile
}

/** Check a parsed v2 document in place, every registry and account; unknown fields are kept untouched. */
export function validateAccountFile(value: unknown): AccountFile {
  const file = validateTopLevel(value)
  for (const url of Object.keys(file.registries)) validateRegistryEntry(file.registries[url], url)
  return file
}

/** Registry key for an old-format URL: its origin (`https://atcr.io/` → `https://atcr.io`). */
function registryKeyFromUrl(url: string, where: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`
  try {
    return new URL(withScheme).origin
  } catch {
    throw new AccountFileFormatError(`${where} is not a URL: ${JSON.stringify(url)}`)
  }
}

function migratedAccount(old: Record<string, unknown>, where: string): Account {
  const account: Account = {
    handle: requireString(old.handle, `${where}.handle`),
    did: typeof old.did === 'string' ? old.did : '',
    device_secret: requireString(old.device_secret, `${where}.device_secret`),
  }
  if (typeof old.appview_url === 'string' && old.appview_url !== '') account.appview_url = old.appview_url
  return account
}

/** Recognise the format of a parsed document without changing it. */
export function detectFormat(value: unknown): FileFormat {
  if (!isObject(value)) throw new AccountFileFormatError('the top level must be a JSON object')
  if ('version' in value) return 'v2'
  if (isObject(value.credentials)) return 'multi-registry'
  if (typeof value.device_secret === 'string' || typeof value.handle === 'string')
    return 'legacy-single-device'
  throw new AccountFileFormatError(
    'not an ATCR account file (no "version", "credentials" or "device_secret")',
  )
}

/** Turn any supported document into v2. Nothing of the old data is dropped. */
export function migrateAccountFile(value: unknown): {file: AccountFile; from: FileFormat} {
  const from = detectFormat(value)
  const old = value as Record<string, unknown>
  if (from === 'v2') return {file: validateAccountFile(value), from}

  const file = emptyAccountFile()
  const add = (registryKey: string, account: Account) => {
    const entry = (file.registries[registryKey] ??= {accounts: {}})
    entry.accounts[account.handle] = account
    entry.active ||= account.handle
  }

  if (from === 'legacy-single-device') {
    const url =
      typeof old.appview_url === 'string' && old.appview_url !== '' ? old.appview_url : 'https://atcr.io'
    add(registryKeyFromUrl(url, 'appview_url'), migratedAccount(old, 'the legacy file'))
    return {file, from}
  }

  for (const [url, entry] of Object.entries(old.credentials as Record<string, unknown>)) {
    const where = `credentials[${JSON.stringify(url)}]`
    if (!isObject(entry)) throw new AccountFileFormatError(`${where} must be an object`)
    add(registryKeyFromUrl(url, where), migratedAccount(entry, where))
  }
  return {file, from}
}
