/**
 * `storage keychain|file`: move device secrets between the account file and the OS keychain, in the
 * order that never loses a secret, nor leaves one behind:
 *   to the keychain: store the item and read it back; then, under the file's lock, drop the secret from
 *     the file (and from any backup beside it);
 *   to the file: read the item; then, under the lock, write the secret into the file; then delete the
 *     item. A crash between the steps leaves the secret in both places, never in neither.
 */
import type {Account, AccountFile} from '../config/account-file.ts'
import {accountMatchesIdentity, findRegistry} from '../config/registry-entries.ts'
import {AccountsError} from './accounts-error.ts'
import type {AccountStore} from './accounts-on-disk.ts'
import {registriesToChooseFrom} from './choose-registry.ts'
import {BIN} from '../product.ts'
import {secretOf, storageOf} from '../secret-store/account-secrets.ts'
import {
  KeychainError,
  keychainLocation,
  type SecretStore,
  type Storage,
} from '../secret-store/secret-store.ts'

/** One account that `moveSecrets` looked at. Handles only: never a secret. */
export interface StorageChange {
  registry: string
  handle: string
  from: Storage
  to: Storage
}

export interface MoveSecretsResult {
  /** Accounts whose secret moved. */
  moved: StorageChange[]
  /** Accounts whose secret was there already. */
  unchanged: StorageChange[]
  /** A moved account whose keychain item could not be deleted afterwards: the step left to the person. */
  leftInKeychain: {registry: string; handle: string; reason: string}[]
}

export interface MoveSecretsInput {
  to: Storage
  /** Canonical host of the REGISTRY argument; without it, every registry. */
  registryHost?: string
  /** The `--account` flag: a handle or a DID; without it, every account of the registries chosen. */
  account?: string
  accounts: AccountStore
  keychain: () => Promise<SecretStore>
}

interface Target {
  registryKey: string
  host: string
  key: string
  account: Account
}

function chooseTargets(file: AccountFile, input: MoveSecretsInput): Target[] {
  const registries = registriesToChooseFrom(file, input.registryHost, 'storage')
  const targets: Target[] = []
  for (const registry of registries) {
    for (const [key, account] of Object.entries(registry.entry.accounts)) {
      if (input.account === undefined || accountMatchesIdentity(account, input.account))
        targets.push({registryKey: registry.key, host: registry.host, key, account})
    }
  }
  if (targets.length === 0) {
    const where = input.registryHost ?? registries.map((registry) => registry.host).join(', ')
    throw new AccountsError(`No account ${input.account} on ${where}. See them with: ${BIN} status`, 2)
  }
  return targets
}

/** The account as it is in the file now, if it is still the one we moved from. */
function current(file: AccountFile, target: Target): Account | undefined {
  const account = findRegistry(file, target.host)?.entry.accounts[target.key]
  return account && account.handle === target.account.handle ? account : undefined
}

export async function moveSecrets(input: MoveSecretsInput): Promise<MoveSecretsResult> {
  const result: MoveSecretsResult = {moved: [], unchanged: [], leftInKeychain: []}
  const targets = chooseTargets(input.accounts.load(), input)
  // Nothing is asked of the keychain until an account has to move.
  let store: SecretStore | undefined
  const keychain = async () => (store ??= await input.keychain())

  for (const target of targets) {
    const from = storageOf(target.account)
    const change: StorageChange = {registry: target.host, handle: target.account.handle, from, to: input.to}
    if (from === input.to) {
      result.unchanged.push(change)
      continue
    }
    const location = keychainLocation(target.registryKey, target.account.handle)
    if (input.to === 'keychain') {
      const secret = target.account.device_secret
      await (await keychain()).set(location, secret)
      if ((await (await keychain()).get(location)) !== secret)
        throw new KeychainError('refused', 'it did not give back the secret it was given', {
          nextStep: `Nothing was changed in the account file. Keep the secret there: ${BIN} storage file`,
        })
      const flipped = input.accounts.update((file) => {
        const account = current(file, target)
        // Changed since we read it (a login in between): that login's secret is the one to keep.
        if (!account || storageOf(account) !== 'file' || account.device_secret !== secret) return false
        delete (account as Partial<Account>).device_secret
        account.storage = 'keychain'
        input.accounts.scrubBackups(secret)
        return true
      })
      if (!flipped) continue
    } else {
      const secret = await secretOf({key: target.registryKey, host: target.host}, target.account, keychain)
      const flipped = input.accounts.update((file) => {
        const account = current(file, target)
        if (!account || storageOf(account) !== 'keychain') return false
        delete account.storage
        account.device_secret = secret
        return true
      })
      if (!flipped) continue
      try {
        await (await keychain()).delete(location)
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error)
        result.leftInKeychain.push({registry: target.host, handle: target.account.handle, reason})
      }
    }
    result.moved.push(change)
  }
  return result
}
