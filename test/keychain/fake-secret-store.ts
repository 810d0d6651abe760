/**
 * A SecretStore in memory, for unit tests of whatever keeps secrets in the keychain: it can be made to
 * fail as a real keychain does (a KeychainError of any kind) and records what it was asked.
 */
import {
  KeychainError,
  type KeychainFailure,
  type SecretLocation,
  type SecretStore,
} from '../../src/lib/secret-store/secret-store.ts'

const keyOf = ({service, account}: SecretLocation) => JSON.stringify([service, account])

export class FakeSecretStore implements SecretStore {
  readonly items = new Map<string, string>()
  /** Every call, as `get service account`. */
  readonly calls: string[] = []
  /** When set, every call fails with a KeychainError of this kind. */
  failing: KeychainFailure | undefined

  constructor(items: Record<string, string> = {}) {
    for (const [key, secret] of Object.entries(items)) this.items.set(key, secret)
  }

  static key(location: SecretLocation): string {
    return keyOf(location)
  }

  #enter(name: string, location: SecretLocation): void {
    this.calls.push(`${name} ${location.service} ${location.account}`)
    if (this.failing) throw new KeychainError(this.failing, 'the fake keychain was told to fail')
  }

  async get(location: SecretLocation): Promise<string | undefined> {
    this.#enter('get', location)
    return this.items.get(keyOf(location))
  }

  async set(location: SecretLocation, secret: string): Promise<void> {
    this.#enter('set', location)
    this.items.set(keyOf(location), secret)
  }

  async delete(location: SecretLocation): Promise<boolean> {
    this.#enter('delete', location)
    return this.items.delete(keyOf(location))
  }

  async has(location: SecretLocation): Promise<boolean> {
    this.#enter('has', location)
    return this.items.has(keyOf(location))
  }
}
