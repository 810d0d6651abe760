/**
 * The account file (`~/.atcr/device.json`, spec/config.md): its v2 shape, validation, and migration
 * from the two older formats. Pure functions over parsed JSON; reading and writing live in store.ts.
 */

export interface Account {
  handle: string
  /** May be empty when not yet known (an account stored by `docker login`). */
  did: string
  device_secret: string
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

function requireString(value: unknown, where: string, {allowEmpty = false} = {}): string {
  if (typeof value !== 'string' || (!allowEmpty && value === '')) {
    throw new AccountFileFormatError(`${where} must be a${allowEmpty ? '' : ' non-empty'} string`)
  }
  return value
}

function validateAccount(value: unknown, where: string): Account {
  if (!isObject(value)) throw new AccountFileFormatError(`${where} must be an object`)
  requireString(value.handle, `${where}.handle`)
  requireString(value.device_secret, `${where}.device_secret`)
  if (value.did === undefined) value.did = ''
  requireString(value.did, `${where}.did`, {allowEmpty: true})
  if (value.appview_url !== undefined)
    requireString(value.appview_url, `${where}.appview_url`, {allowEmpty: true})
  return value as Account
}

/** Check a parsed v2 document in place; unknown fields are kept untouched. */
export function validateAccountFile(value: unknown): AccountFile {
  if (!isObject(value)) throw new AccountFileFormatError('the top level must be a JSON object')
  if (value.version !== 2)
    throw new AccountFileFormatError(`unsupported version ${JSON.stringify(value.version)}`)
  if (value.registries === undefined) value.registries = {}
  if (!isObject(value.registries)) throw new AccountFileFormatError('"registries" must be an object')
  for (const [url, entry] of Object.entries(value.registries)) {
    const where = `registries[${JSON.stringify(url)}]`
    if (!isObject(entry)) throw new AccountFileFormatError(`${where} must be an object`)
    if (entry.accounts === undefined) entry.accounts = {}
    if (!isObject(entry.accounts)) throw new AccountFileFormatError(`${where}.accounts must be an object`)
    if (entry.active !== undefined && entry.active !== null)
      requireString(entry.active, `${where}.active`, {allowEmpty: true})
    if (entry.active === null) delete entry.active
    for (const [key, account] of Object.entries(entry.accounts)) {
      validateAccount(account, `${where}.accounts[${JSON.stringify(key)}]`)
    }
  }
  return value as unknown as AccountFile
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
