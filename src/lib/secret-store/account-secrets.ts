/**
 * An account's device secret, wherever it lives (issue 19). In device.json an account says where:
 * `"storage": "keychain"` (and no `device_secret`), or nothing and its `device_secret` (the file, as
 * before). The keychain item of an account is keychainLocation(registry key, handle). On the get path:
 * light, and the keychain is opened only for an account whose secret is there.
 */
import type {Account} from '../config/account-file.ts'
import {PersonFacingError} from '../errors/person-facing-error.ts'
import {BIN} from '../product.ts'
import {keychainLocation, type SecretStore, type Storage} from './secret-store.ts'

export function storageOf(account: Account): Storage {
  return account.storage === 'keychain' ? 'keychain' : 'file'
}

/** The keychain holds no item for an account the file says is there (removed by hand, another machine). */
export class MissingKeychainSecretError extends PersonFacingError {
  constructor(host: string, handle: string) {
    super(
      `The OS keychain holds no device secret for ${handle} on ${host} (removed outside ${BIN}?). Log in again: ${BIN} login ${host} --account ${handle}`,
      {code: 'keychain_item_missing'},
    )
  }
}

/**
 * The device secret of an account. `keychain` is called only for an account whose secret is there,
 * so a file account loads nothing of the keychain.
 */
export async function secretOf(
  registry: {key: string; host: string},
  account: Account,
  keychain: () => Promise<SecretStore>,
): Promise<string> {
  if (storageOf(account) === 'file') return account.device_secret
  const secret = await (await keychain()).get(keychainLocation(registry.key, account.handle))
  if (secret === undefined) throw new MissingKeychainSecretError(registry.host, account.handle)
  return secret
}

/**
 * Prove, before a login sends anyone to approve it, that the keychain can keep its secret: store a probe
 * item beside the registry's and delete it. A locked keychain shows its unlock prompt here, once.
 */
export async function proveKeychainWritable(store: SecretStore, registryKey: string): Promise<void> {
  const probe = keychainLocation(registryKey, `${BIN}-probe`)
  await store.set(probe, 'probe')
  await store.delete(probe)
}
