/**
 * Where an account's device secret lives (issue 19): in the account file (`file`, the default and what
 * every version before this one did) or in the OS keychain (`keychain`: macOS Keychain, Windows
 * Credential Manager, the Secret Service on Linux), by the person's choice.
 *
 * This module is what the rest of the helper imports: the interface, the names, the errors. The
 * keychain itself (src/lib/secret-store/keychain-store.ts, over @napi-rs/keyring and its native binary)
 * is loaded by `openKeychain` only, on first use: a `get` for an account whose secret is in the file
 * loads none of it.
 *
 * Never a silent fallback: a keychain that is missing, locked, refusing or slow is a KeychainError, one
 * line that names `--storage file`; nothing here ever writes a secret anywhere else instead.
 */
import {STORAGES, type Storage} from '../config/account-file.ts'
import {PersonFacingError} from '../errors/person-facing-error.ts'
import {BIN} from '../product.ts'

export {STORAGES, type Storage} from '../config/account-file.ts'
export const DEFAULT_STORAGE: Storage = 'file'

export function isStorage(value: unknown): value is Storage {
  return (STORAGES as readonly unknown[]).includes(value)
}

/** Where a new secret goes: `--storage` when given, else ATCR_STORAGE (for scripts), else the file. */
export function chooseStorage(flag: string | undefined, env: NodeJS.ProcessEnv): Storage {
  const value = flag ?? (env.ATCR_STORAGE || undefined)
  if (value === undefined) return DEFAULT_STORAGE
  if (isStorage(value)) return value
  throw new PersonFacingError(
    `ATCR_STORAGE must be "file" or "keychain", not ${JSON.stringify(value.slice(0, 40))}. Unset it, or use --storage file.`,
    {exit: 2},
  )
}

/** One item in a secret store: what keychains call the service and the account (or user name). */
export interface SecretLocation {
  service: string
  account: string
}

/** A store of secrets by service and account: the OS keychain, or a fake in tests. */
export interface SecretStore {
  /** The secret, or undefined when the store holds none there. */
  get(location: SecretLocation): Promise<string | undefined>
  /** Creates the item or replaces its secret. */
  set(location: SecretLocation, secret: string): Promise<void>
  /** true when an item was removed, false when there was none to remove. */
  delete(location: SecretLocation): Promise<boolean>
  has(location: SecretLocation): Promise<boolean>
}

/**
 * The keychain item of an account: one per registry and handle, named so that a person who opens
 * Keychain Access, Credential Manager or Seahorse sees whose it is (`docker-credential-atcr:https://atcr.io`,
 * account `alice.bsky.social`).
 */
export function keychainLocation(registryKey: string, handle: string): SecretLocation {
  return {service: `${BIN}:${registryKey}`, account: handle}
}

/**
 * How long `get` waits for the keychain: as long as the session check may take (GET_CHECK_BUDGET_MS).
 * A keychain that has not answered by then is waiting on a person (an unlock prompt) or is stuck.
 */
export const KEYCHAIN_GET_BUDGET_MS = 1500

/**
 * How long a command a person typed (login, logout, status, storage) waits for the keychain: long enough
 * to answer an unlock prompt the keychain shows, not for ever.
 */
export const KEYCHAIN_PEOPLE_BUDGET_MS = 60_000

/**
 * - `unavailable`: no keychain here (no D-Bus session, no Secret Service, no native binary for this
 *   platform), or one that would not keep the secret (see keychain-store.ts on keyutils);
 * - `locked`: the keychain is locked and was not unlocked (its prompt was dismissed or cannot show);
 * - `timeout`: no answer within the budget: the call may still be running (`stuck`);
 * - `refused`: any other failure the keychain reported.
 */
export type KeychainFailure = 'unavailable' | 'locked' | 'timeout' | 'refused'

const WHAT_HAPPENED: Record<KeychainFailure, string> = {
  unavailable: 'The OS keychain is not available',
  locked: 'The OS keychain is locked and was not unlocked',
  timeout: 'The OS keychain did not answer',
  refused: 'The OS keychain refused',
}

export const DEFAULT_KEYCHAIN_NEXT_STEP = `Unlock or start it and try again, or keep the secret in the account file with --storage file (${BIN} login --storage file).`

/** A keychain that cannot serve: one line for the person, naming `--storage file`. */
export class KeychainError extends PersonFacingError {
  readonly failure: KeychainFailure
  /**
   * true when the native call is still running past its budget: the process cannot end normally
   * (Node.js waits for it at exit), so whoever reports this ends it with exitPastStuckCall.
   */
  readonly stuck: boolean

  constructor(failure: KeychainFailure, detail: string, options: {stuck?: boolean; nextStep?: string} = {}) {
    super(`${WHAT_HAPPENED[failure]} (${detail}). ${options.nextStep ?? DEFAULT_KEYCHAIN_NEXT_STEP}`, {
      code: `keychain_${failure}`,
    })
    this.failure = failure
    this.stuck = options.stuck ?? false
    if (this.stuck) stuckCalls++
  }
}

let stuckCalls = 0

/**
 * Whether a keychain call of this process is still running past its budget: then only
 * exitPastStuckCall ends the process (src/entry.ts asks before exiting).
 */
export function keychainCallStuck(): boolean {
  return stuckCalls > 0
}

export interface KeychainOptions {
  /** How long one keychain operation may take before it is a `timeout` KeychainError. */
  budgetMs?: number
  /** process.platform, for the words of errors and the Linux backend choice. */
  platform?: NodeJS.Platform
  env?: NodeJS.ProcessEnv
  /** What to tell the person to do when the keychain fails (default: DEFAULT_KEYCHAIN_NEXT_STEP). */
  nextStep?: string
}

/**
 * The OS keychain as a SecretStore. Its module, and the native binary, are loaded here and only here:
 * call this when an account's secret is (or is about to be) in the keychain, never before.
 */
export async function openKeychain(options: KeychainOptions = {}): Promise<SecretStore> {
  const {KeychainStore} = await import('./keychain-store.ts')
  return new KeychainStore(options)
}
