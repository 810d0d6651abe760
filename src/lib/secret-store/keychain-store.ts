/**
 * The OS keychain as a SecretStore, over @napi-rs/keyring (keyring-rs; its native binaries come as
 * optional npm packages, one per platform: nothing is downloaded or built at install time). Loaded only
 * through openKeychain (secret-store.ts); the binding and its native binary load on the first call.
 *
 * Linux: the binding picks the Secret Service (D-Bus: gnome-keyring, KWallet, KeePassXC) and silently
 * falls back to the kernel's keyutils keyring, which lives in memory and loses every secret at reboot.
 * Each entry here is pinned to the Secret Service, so with no Secret Service the call fails (and says
 * so) instead of "succeeding" into a store that forgets. macOS and Windows ignore the pin.
 *
 * Deadlines: every call runs on libuv's thread pool (AsyncEntry) against a budget of our own; the
 * binding's AbortSignal does not stop a call already running (measured: a read waiting on an unlock
 * prompt rejected only when gnome-keyring gave up, 25 s later). A call past its budget is reported as a
 * `timeout` KeychainError marked `stuck`: Node.js would wait for that thread at exit, so the reporter
 * ends the process with exitPastStuckCall. The AsyncEntry constructor, though, connects to the session
 * bus synchronously on the calling thread, with no deadline: a bus that accepts and never answers would
 * block it for ever, so on Linux the bus is asked first, within the budget (session-bus-probe.ts). A
 * missing bus, a refused connection or a bus without a Secret Service fail at once.
 */
import {serverText} from '../text/server-text.ts'
import {probeSessionBus, sessionBusSocket} from './session-bus-probe.ts'
import {
  KEYCHAIN_GET_BUDGET_MS,
  KeychainError,
  type KeychainFailure,
  type KeychainOptions,
  type SecretLocation,
  type SecretStore,
} from './secret-store.ts'

/** What this module uses of @napi-rs/keyring (its index.d.ts), so tests can pass a binding of their own. */
export interface KeyringEntry {
  getPassword(): Promise<string | null>
  setPassword(password: string): Promise<void>
  deletePassword(): Promise<boolean>
}
export interface KeyringBinding {
  AsyncEntry: new (
    service: string,
    account: string,
    options?: {linux?: {store?: 'secret-service' | 'keyutils'}},
  ) => KeyringEntry
}

export interface KeychainStoreOptions extends KeychainOptions {
  /** The binding (default: @napi-rs/keyring, required on first use). */
  loadBinding?: () => KeyringBinding
  /** process.arch, for the words of the "no native binary" error. */
  arch?: string
  /** The user id the bus probe authenticates as (default: process.getuid()). */
  uid?: number
}

/**
 * The package is CommonJS with a native addon: required at run time from beside this module (never
 * bundled), through a built-in taken on first use, as lazy-builtin.ts does for the get path.
 */
function requireKeyring(): KeyringBinding {
  const {createRequire} = process.getBuiltinModule('node:module')
  return createRequire(import.meta.url)('@napi-rs/keyring') as KeyringBinding
}

/** Longest piece of the keychain's own words in an error line. */
const MAX_DETAIL = 200

export class KeychainStore implements SecretStore {
  readonly #options: KeychainStoreOptions
  #binding: KeyringBinding | undefined

  constructor(options: KeychainStoreOptions = {}) {
    this.#options = options
  }

  async get(location: SecretLocation): Promise<string | undefined> {
    const secret = await this.#call(location, (entry) => entry.getPassword())
    return secret ?? undefined
  }

  async set(location: SecretLocation, secret: string): Promise<void> {
    await this.#call(location, (entry) => entry.setPassword(secret))
  }

  async delete(location: SecretLocation): Promise<boolean> {
    return this.#call(location, (entry) => entry.deletePassword())
  }

  async has(location: SecretLocation): Promise<boolean> {
    return (await this.get(location)) !== undefined
  }

  get #platform(): NodeJS.Platform {
    return this.#options.platform ?? process.platform
  }

  #fail(failure: KeychainFailure, detail: string, stuck = false): KeychainError {
    return new KeychainError(failure, detail, {
      stuck,
      ...(this.#options.nextStep ? {nextStep: this.#options.nextStep} : {}),
    })
  }

  #load(): KeyringBinding {
    if (this.#binding) return this.#binding
    try {
      this.#binding = (this.#options.loadBinding ?? requireKeyring)()
    } catch {
      const target = `${this.#platform}-${this.#options.arch ?? process.arch}`
      throw this.#fail(
        'unavailable',
        `no keychain library for ${target}: the optional package @napi-rs/keyring or its native binary is not installed`,
      )
    }
    return this.#binding
  }

  async #call<T>(location: SecretLocation, operation: (entry: KeyringEntry) => Promise<T>): Promise<T> {
    const {AsyncEntry} = this.#load()
    const budgetMs = this.#options.budgetMs ?? KEYCHAIN_GET_BUDGET_MS
    const deadline = performance.now() + budgetMs
    await this.#busAnswers(budgetMs)
    let entry: KeyringEntry
    try {
      entry = new AsyncEntry(location.service, location.account, {linux: {store: 'secret-service'}})
    } catch (error) {
      throw this.#classify(error)
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            this.#fail('timeout', `no answer within ${budgetMs} ms: locked, or waiting on a prompt`, true),
          ),
        Math.max(0, deadline - performance.now()),
      )
      operation(entry).then(
        (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        (error: unknown) => {
          clearTimeout(timer)
          reject(this.#classify(error))
        },
      )
    })
  }

  /** On Linux, the binding's synchronous connection would wait on a wedged bus for ever: ask it first. */
  async #busAnswers(budgetMs: number): Promise<void> {
    if (this.#platform !== 'linux') return
    const socket = sessionBusSocket((this.#options.env ?? process.env).DBUS_SESSION_BUS_ADDRESS)
    if (socket === undefined) return
    const probe = await probeSessionBus(socket, budgetMs, this.#options.uid ?? process.getuid?.() ?? 0)
    if (!probe.answered) throw this.#fail('timeout', probe.reason)
  }

  /** The binding reports every failure as GenericFailure; keyring-rs's words tell them apart. */
  #classify(error: unknown): KeychainError {
    const message = error instanceof Error ? error.message : String(error)
    const detail = serverText(message, MAX_DETAIL)
    if (/^Couldn't access platform storage/i.test(message)) {
      return /lock|prompt|dismiss/i.test(message)
        ? this.#fail('locked', detail)
        : this.#fail('unavailable', detail)
    }
    if (/^Platform failure/i.test(message)) {
      const env = this.#options.env ?? process.env
      const noBus = this.#platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS
      return this.#fail(
        'unavailable',
        noBus ? `no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set; ${detail}` : detail,
      )
    }
    return this.#fail('refused', detail)
  }
}
