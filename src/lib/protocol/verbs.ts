/**
 * The four Docker credential-helper verbs as plain functions: input text in, stdout text and exit code
 * out (spec/docker-protocol.md). No oclif, no network, no prompts: src/entry.ts calls these directly so
 * that `get` costs little more than starting Node.
 */
import type {Account, AccountFile} from '../config/account-file.ts'
import {
  type AccountFilePaths,
  findRegistryInFile,
  loadAccountsLazily,
  updateAccounts,
} from '../config/account-store.ts'
import {describeJsonSyntaxError} from '../config/json-syntax-error.ts'
import {deviceSecretProblem} from '../device-secret.ts'
import {
  activeAccount,
  findAccount,
  findRegistry,
  isDid,
  listRegistries,
  type RegistryMatch,
} from '../config/registry-entries.ts'
import {
  type ProcessInfo,
  type ProcessTableReader,
  rememberedAncestors,
} from '../identity/parent-command-line.ts'
import {type Resolution, resolveAccount} from '../identity/resolve-account.ts'
import {appViewUrlFor} from '../registry/appview-url.ts'
import {parseServerAddress} from '../registry/server-address.ts'
import {PersonFacingError} from '../errors/person-facing-error.ts'
import {secretOf, storageOf} from '../secret-store/account-secrets.ts'
import {
  chooseStorage,
  keychainLocation,
  openKeychain,
  type SecretStore,
} from '../secret-store/secret-store.ts'
import {checkBeforeGet} from '../session-check/check-before-get.ts'
import {sessionCachePath} from '../session-check/session-cache.ts'
import {
  BIN,
  CREDENTIALS_NOT_FOUND,
  DEVICE_SECRET_PREFIX,
  MISSING_SERVER_URL,
  MISSING_USERNAME,
  multipleAccountsMessage,
} from './messages.ts'
import {redactSecrets} from '../text/redact-secrets.ts'

export interface ProtocolContext {
  paths: AccountFilePaths
  env: NodeJS.ProcessEnv
  /** Parent process id of the helper: the client that ran it. */
  parentPid: number
  processTable: ProcessTableReader
  /** Docker daemon insecure-registries, read only when a new registry must be keyed. */
  insecureRegistries: () => readonly string[]
  /** A line for the person at the terminal (stderr). */
  note: (line: string) => void
  /** A line of ATCR_DEBUG explanation; a no-op unless debugging. */
  explain: (line: string) => void
  /** false when `explain` is that no-op: what is only worth doing to explain is then skipped. */
  explaining?: boolean
  /** The OS keychain, opened only for an account whose secret is there (default: openKeychain). */
  keychain?: (nextStep: string) => Promise<SecretStore>
}

/** The OS keychain for a protocol verb, with what to run when it fails: move the account to the file. */
function keychainFor(context: ProtocolContext, host: string, handle: string): () => Promise<SecretStore> {
  const nextStep = `Unlock it and try again, or keep this account's secret in the file instead (--storage file): ${BIN} storage file ${host} --account ${handle}`
  return () => (context.keychain ?? ((step) => openKeychain({env: context.env, nextStep: step})))(nextStep)
}

export interface ProtocolResult {
  /** Exactly what goes to stdout. */
  stdout: string
  exitCode: 0 | 1
}

/** docker-credential-helpers answers with `json.Encoder` output or an error line: both end in "\n". */
const success = (stdout = ''): ProtocolResult => ({stdout, exitCode: 0})
const failure = (message: string): ProtocolResult => ({stdout: `${message}\n`, exitCode: 1})

export class ProtocolInputError extends Error {}

/** The registry host of a bare server string; errors are protocol failures. */
function hostOf(input: string): string {
  if (input.trim() === '') throw new ProtocolInputError(MISSING_SERVER_URL)
  return parseServerAddress(input).host
}

/** What `get` was asked, with what it is decided on: read once, whichever rules then choose. */
export interface GetRequest {
  /** The server string as the client sent it, trimmed: echoed as ServerURL. */
  serverUrl: string
  host: string
  /** The whole account file, read on first use (which may find a newer version than `registry`). */
  readonly accounts: AccountFile
  registry: RegistryMatch | undefined
  /** The client's command line and, past a shell or shim, its parents'; each process read at most once. */
  ancestors: Iterable<ProcessInfo>
}

/** The AppView's own words (already one clean line: src/lib/appview/contract.ts), quoted as its own. */
function appViewSays(message: string | undefined): string {
  return message ? ` (the AppView says: "${message}")` : ''
}

export function readGetRequest(input: string, context: ProtocolContext): GetRequest {
  const host = hostOf(input)
  let accounts: AccountFile | undefined
  return {
    serverUrl: input.trim(),
    host,
    // The other registries are needed only when ATCR_ACCOUNT names no account here: read then.
    get accounts() {
      return (accounts ??= loadAccountsLazily(context.paths))
    },
    registry: findRegistryInFile(context.paths, host),
    ancestors: rememberedAncestors(context.processTable, context.parentPid),
  }
}

/** The built-in rules (src/lib/identity/resolve-account.ts) applied to a request. */
export function resolveGetAccount(request: GetRequest, context: ProtocolContext): Resolution {
  return resolveAccount({
    host: request.host,
    entry: request.registry?.entry,
    requestedIdentity: context.env.ATCR_ACCOUNT,
    otherRegistries: () => listRegistries(request.accounts),
    ancestors: request.ancestors,
    ...(context.explaining === false ? {} : {explain: context.explain}),
  })
}

/** Chooses the account of a request: the built-in rules, or those and trusted plugins. */
export type GetResolver = (request: GetRequest, context: ProtocolContext) => Resolution | Promise<Resolution>

export async function getCredentials(
  input: string,
  context: ProtocolContext,
  resolve: GetResolver = resolveGetAccount,
): Promise<ProtocolResult> {
  const request = readGetRequest(input, context)
  return answerGet(request, await resolve(request, context), context)
}

function unknownAccountMessage(
  resolution: Extract<Resolution, {outcome: 'unknown ATCR_ACCOUNT'}>,
  host: string,
) {
  // eslint-disable-next-line no-control-regex
  const requested = resolution.requested.replaceAll(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, 100)
  const names = resolution.candidates.join(', ') + (resolution.more > 0 ? ` and ${resolution.more} more` : '')
  const hint = resolution.close ? `Did you mean ${names}?` : `Accounts for ${host}: ${names}.`
  return `ATCR_ACCOUNT=${requested} names no account on any registry. ${hint} Fix or unset ATCR_ACCOUNT.`
}

/** The answer to a request once its account is chosen (or not): credentials, after the session check. */
export async function answerGet(
  request: GetRequest,
  resolution: Resolution,
  context: ProtocolContext,
): Promise<ProtocolResult> {
  const {host} = request
  if (resolution.outcome === 'no accounts') {
    context.explain(
      `no account for ${host} in ${context.paths.file}: answering "not found" (clients go anonymous)`,
    )
    return failure(CREDENTIALS_NOT_FOUND)
  }
  if (resolution.outcome === 'unknown ATCR_ACCOUNT') {
    const message = unknownAccountMessage(resolution, host)
    context.note(`${BIN}: ${message}`)
    return failure(message)
  }
  if (resolution.outcome === 'ambiguous') {
    context.explain(
      `${resolution.accountCount} accounts for ${host}, none active and none named: cannot choose`,
    )
    context.note(
      `${BIN}: ${resolution.accountCount} accounts for ${host} and nothing says which to use. ` +
        `Run "${BIN} switch", or set ATCR_ACCOUNT=<handle> for this command.`,
    )
    return failure(multipleAccountsMessage(host))
  }
  context.explain(`${host} → ${resolution.account.handle} (rule: ${resolution.rule}; ${resolution.reason})`)
  const {account} = resolution
  let secret: string
  try {
    // The chosen account is always one of this registry's.
    const registry = {key: request.registry!.key, host}
    secret = await secretOf(registry, account, keychainFor(context, host, account.handle))
  } catch (error) {
    if (!(error instanceof PersonFacingError)) throw error
    const message = `${host}: ${error.message}`
    context.note(`${BIN}: ${message}`)
    return failure(message)
  }
  if (storageOf(account) === 'keychain')
    context.explain(`secret of ${account.handle} read from the OS keychain`)
  const session = await checkBeforeGet({
    host,
    // In memory only, for the check: a keychain secret is never written back to the file.
    account: {...account, device_secret: secret},
    cacheFile: sessionCachePath(context.paths.directory),
    env: context.env,
    appViewUrl: () =>
      appViewUrlFor(host, {
        accountAppViewUrl: account.appview_url,
        insecureRegistries: context.insecureRegistries,
      }),
    explain: context.explain,
  })
  if (session.verdict === 'session_expired') {
    const where = session.loginUrl ? `Sign in again at ${session.loginUrl}` : 'Sign in again'
    const message = `${host}: the AT Protocol session of ${account.handle} expired${appViewSays(session.message)}. ${where} or run: ${BIN} login ${host}`
    context.note(`${BIN}: ${message}`)
    return failure(message)
  }
  if (session.verdict === 'revoked') {
    const message = `${host}: the device secret of ${account.handle} is no longer accepted${appViewSays(session.message) || ' (revoked or unknown)'}. Run: ${BIN} login ${host}`
    context.note(`${BIN}: ${message}`)
    return failure(message)
  }
  const answer = {
    ServerURL: request.serverUrl,
    Username: resolution.account.handle,
    Secret: secret,
  }
  return success(`${JSON.stringify(answer)}\n`)
}

/**
 * A handle is a domain name (one label is tolerated for local set-ups). Anything else, such as
 * `__proto__` (which as an object key would be lost) or a path, is refused rather than saved.
 */
export const HANDLE =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i

interface StoreRequest {
  ServerURL: string
  Username: string
  Secret: string
}

function parseStoreRequest(input: string): StoreRequest {
  if (input.trim() === '')
    throw new ProtocolInputError(
      'store: expected JSON {"ServerURL","Username","Secret"} on stdin, got nothing',
    )
  let parsed: unknown
  try {
    parsed = JSON.parse(input)
  } catch (error) {
    throw new ProtocolInputError(`store: stdin is not valid JSON (${describeJsonSyntaxError(error)})`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProtocolInputError('store: expected a JSON object {"ServerURL","Username","Secret"}')
  }
  const request = parsed as Record<string, unknown>
  for (const field of ['ServerURL', 'Username', 'Secret'] as const) {
    if (request[field] !== undefined && request[field] !== null && typeof request[field] !== 'string') {
      throw new ProtocolInputError(`store: ${field} must be a string`)
    }
  }
  const serverUrl = (request.ServerURL as string | undefined) ?? ''
  // People write handles with an @ (`docker login -u @alice.bsky.social`), as switch and logout accept.
  const username = ((request.Username as string | undefined) ?? '').trim().replace(/^@/, '')
  if (serverUrl.trim() === '') throw new ProtocolInputError(MISSING_SERVER_URL)
  if (username === '') throw new ProtocolInputError(MISSING_USERNAME)
  return {ServerURL: serverUrl, Username: username, Secret: (request.Secret as string | undefined) ?? ''}
}

export async function storeCredentials(input: string, context: ProtocolContext): Promise<ProtocolResult> {
  const request = parseStoreRequest(input)
  const host = hostOf(request.ServerURL)

  // Exit 1 with the reason on stdout, which `docker login` shows: exit 0 would report a login that kept nothing.
  if (!request.Secret.startsWith(DEVICE_SECRET_PREFIX))
    return failure(
      `${BIN}: not saving this password for ${host}: ATCR signs in with device secrets, not app passwords or tokens. ` +
        `Run "${BIN} login ${host}" instead.`,
    )
  // The rule the device flow applies to what an AppView issues (src/lib/device-secret.ts).
  const secretProblem = deviceSecretProblem(request.Secret)
  if (secretProblem)
    throw new ProtocolInputError(`store: the device secret ${secretProblem}; nothing was saved`)
  if (!isDid(request.Username) && !HANDLE.test(request.Username)) {
    // A secret pasted into the user name field must not reach the terminal or a CI log.
    const got = request.Username.toLowerCase().startsWith(DEVICE_SECRET_PREFIX)
      ? 'a device secret'
      : redactSecrets(JSON.stringify(request.Username.slice(0, 80)))
    throw new ProtocolInputError(
      `store: the user name must be the account's handle, like alice.bsky.social (got ${got})`,
    )
  }

  const current = findRegistryInFile(context.paths, host)
  const existing = current && findAccount(current.entry, request.Username)
  // Most `docker login` runs re-store what we already hold: answer without taking the lock or writing.
  if (
    existing &&
    storageOf(existing.account) === 'file' &&
    existing.account.device_secret === request.Secret
  ) {
    context.explain(`store: ${request.Username} on ${host} already holds this secret; nothing to do`)
    return success()
  }
  // Where the secret goes: an account's own storage; a new account's, ATCR_STORAGE (else the file).
  const storage = existing ? storageOf(existing.account) : chooseStorage(undefined, context.env)
  if (storage === 'keychain') {
    const registryKey = current?.key ?? appViewUrlFor(host, {insecureRegistries: context.insecureRegistries})
    const handle = existing?.account.handle ?? request.Username.toLowerCase()
    if (!existing && isDid(request.Username)) {
      throw new ProtocolInputError(
        `store: the user name must be the account's handle, not a DID (${request.Username})`,
      )
    }
    const keychain = await keychainFor(context, host, handle)()
    await keychain.set(keychainLocation(registryKey, handle), request.Secret)
    context.explain(`store: saved the secret of ${handle} for ${host} in the OS keychain`)
  }

  updateAccounts(context.paths, (accounts: AccountFile) => {
    let registry = findRegistry(accounts, host)
    if (!registry) {
      const key = appViewUrlFor(host, {insecureRegistries: context.insecureRegistries})
      accounts.registries[key] = {accounts: {}}
      registry = {key, host, entry: accounts.registries[key]!}
    }
    const {entry} = registry
    const found = findAccount(entry, request.Username)
    if (found) {
      if (storageOf(found.account) === 'file') found.account.device_secret = request.Secret
    } else {
      if (isDid(request.Username)) {
        throw new ProtocolInputError(
          `store: the user name must be the account's handle, not a DID (${request.Username})`,
        )
      }
      const handle = request.Username.toLowerCase()
      entry.accounts[handle] =
        storage === 'keychain'
          ? ({handle, did: '', storage} as Account)
          : {handle, did: '', device_secret: request.Secret}
    }
    const storedKey = found?.key ?? request.Username.toLowerCase()
    if (!activeAccount(entry)) entry.active = storedKey
    context.explain(`store: saved ${storedKey} for ${host}${entry.active === storedKey ? ' (active)' : ''}`)
  })
  return success()
}

export async function eraseCredentials(input: string, context: ProtocolContext): Promise<ProtocolResult> {
  const host = hostOf(input)
  // Docker calls erase twice; the second call, and any call with nothing to erase, must succeed quietly.
  const current = findRegistryInFile(context.paths, host)
  if (!current || !activeAccount(current.entry)) {
    context.explain(`erase: no active account for ${host}; nothing to do`)
    return success()
  }
  const removed = updateAccounts(context.paths, (accounts) => {
    const registry = findRegistry(accounts, host)
    const active = registry && activeAccount(registry.entry)
    if (!registry || !active) return undefined
    delete registry.entry.accounts[active.key]
    // No promotion: Docker's second erase call would remove the promoted account too.
    delete registry.entry.active
    const hasOnlyKnownFields = Object.keys(registry.entry).every((field) => field === 'accounts')
    if (Object.keys(registry.entry.accounts).length === 0 && hasOnlyKnownFields)
      delete accounts.registries[registry.key]
    context.explain(`erase: removed ${active.key} from ${host}; no account is active there now`)
    return {registryKey: registry.key, account: active.account}
  })
  if (removed && storageOf(removed.account) === 'keychain') {
    const {handle} = removed.account
    try {
      await (await keychainFor(context, host, handle)()).delete(keychainLocation(removed.registryKey, handle))
      context.explain(`erase: deleted the keychain item of ${handle}`)
    } catch (error) {
      // The account is gone from the file; Docker's erase has done what it asked.
      context.note(
        `${BIN}: erase: removed ${handle} from ${host}, but its OS keychain item is still there (${(error as Error).message})`,
      )
    }
  }
  return success()
}

/** `{"<host>": "<handle>"}`: for each registry, the account `get` would answer with when nothing names one. */
export function listCredentials(context: ProtocolContext): ProtocolResult {
  const listing: Record<string, string> = {}
  for (const {host, entry} of listRegistries(loadAccountsLazily(context.paths))) {
    const keys = Object.keys(entry.accounts)
    const chosen = activeAccount(entry)?.account ?? (keys.length === 1 ? entry.accounts[keys[0]!] : undefined)
    if (chosen && listing[host] === undefined) listing[host] = chosen.handle
  }
  return success(`${JSON.stringify(listing)}\n`)
}
