/**
 * Moving device secrets between the account file and the keychain, and reading them from either, with
 * an in-memory account store and keychain (the real Secret Service: secret-service.test.ts).
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {AccountsError} from '../../src/lib/accounts/accounts-error.ts'
import type {AccountFile} from '../../src/lib/config/account-file.ts'
import {MissingKeychainSecretError, secretOf} from '../../src/lib/secret-store/account-secrets.ts'
import {moveSecrets} from '../../src/lib/accounts/move-secrets.ts'
import {KeychainError, keychainLocation} from '../../src/lib/secret-store/secret-store.ts'
import {accountFile, memoryStore} from '../unit/account-fakes.ts'
import {FakeSecretStore} from './fake-secret-store.ts'

const ATCR = 'https://atcr.io'
const ALICE = keychainLocation(ATCR, 'alice.bsky.social')
const BOB = keychainLocation(ATCR, 'bob.example.com')
const CAROL = keychainLocation('https://buoy.cr', 'carol.example.com')

function twoRegistries(): AccountFile {
  return accountFile({
    [ATCR]: {
      active: 'alice.bsky.social',
      accounts: [
        {handle: 'alice.bsky.social', did: 'did:plc:alice', secret: 'atcr_device_alice'},
        {handle: 'bob.example.com', did: 'did:plc:bob', secret: 'atcr_device_bob'},
      ],
    },
    'https://buoy.cr': {accounts: [{handle: 'carol.example.com', secret: 'atcr_device_carol'}]},
  })
}

const account = (file: AccountFile, registry: string, handle: string) =>
  file.registries[registry]!.accounts[handle]!

describe('moveSecrets', () => {
  it('to the keychain: every account, the secret stored and read back, then dropped from the file and its backups', async () => {
    const {state, store: accounts} = memoryStore(twoRegistries())
    const keychain = new FakeSecretStore()
    let opened = 0
    const result = await moveSecrets({
      to: 'keychain',
      accounts,
      keychain: async () => {
        opened++
        return keychain
      },
    })
    assert.equal(opened, 1)
    assert.deepEqual(result.moved, [
      {registry: 'atcr.io', handle: 'alice.bsky.social', from: 'file', to: 'keychain'},
      {registry: 'atcr.io', handle: 'bob.example.com', from: 'file', to: 'keychain'},
      {registry: 'buoy.cr', handle: 'carol.example.com', from: 'file', to: 'keychain'},
    ])
    assert.equal(keychain.items.get(FakeSecretStore.key(ALICE)), 'atcr_device_alice')
    assert.equal(keychain.items.get(FakeSecretStore.key(CAROL)), 'atcr_device_carol')
    assert.deepEqual(account(state.accounts, ATCR, 'alice.bsky.social'), {
      handle: 'alice.bsky.social',
      did: 'did:plc:alice',
      storage: 'keychain',
    })
    assert.doesNotMatch(JSON.stringify(state.accounts), /atcr_device_/)
    assert.deepEqual(state.scrubbed, ['atcr_device_alice', 'atcr_device_bob', 'atcr_device_carol'])
    assert.deepEqual(keychain.calls.slice(0, 2), [
      `set ${ALICE.service} ${ALICE.account}`,
      `get ${ALICE.service} ${ALICE.account}`,
    ])
  })

  it('back to the file: the secret written into the file, then the keychain item deleted', async () => {
    const {state, store: accounts} = memoryStore(twoRegistries())
    const keychain = new FakeSecretStore()
    await moveSecrets({to: 'keychain', accounts, keychain: async () => keychain})
    const result = await moveSecrets({
      to: 'file',
      registryHost: 'atcr.io',
      account: 'bob.example.com',
      accounts,
      keychain: async () => keychain,
    })
    assert.deepEqual(result.moved, [
      {registry: 'atcr.io', handle: 'bob.example.com', from: 'keychain', to: 'file'},
    ])
    assert.deepEqual(account(state.accounts, ATCR, 'bob.example.com'), {
      handle: 'bob.example.com',
      did: 'did:plc:bob',
      device_secret: 'atcr_device_bob',
    })
    assert.equal(keychain.items.has(FakeSecretStore.key(BOB)), false)
    assert.equal(keychain.items.has(FakeSecretStore.key(ALICE)), true)
    assert.equal(account(state.accounts, ATCR, 'alice.bsky.social').storage, 'keychain')
  })

  it('accounts already there are unchanged, and the keychain is not even opened', async () => {
    const {state, store: accounts} = memoryStore(twoRegistries())
    const result = await moveSecrets({
      to: 'file',
      accounts,
      keychain: async () => assert.fail('the keychain was opened'),
    })
    assert.deepEqual(result.moved, [])
    assert.equal(result.unchanged.length, 3)
    assert.equal(state.saves, 0)
  })

  it('a locked keychain: the KeychainError, and the file untouched', async () => {
    const {state, store: accounts} = memoryStore(twoRegistries())
    const keychain = new FakeSecretStore()
    keychain.failing = 'locked'
    await assert.rejects(moveSecrets({to: 'keychain', accounts, keychain: async () => keychain}), (error) => {
      assert.ok(error instanceof KeychainError)
      assert.match(error.message, /--storage file/)
      assert.doesNotMatch(error.message, /atcr_device_/)
      return true
    })
    assert.deepEqual(state.accounts, twoRegistries())
    assert.deepEqual(state.scrubbed, [])
  })

  it('a keychain that does not give back what it was given: nothing changes in the file', async () => {
    const {state, store: accounts} = memoryStore(twoRegistries())
    const keychain = new FakeSecretStore()
    keychain.set = async (location, secret) => {
      keychain.items.set(FakeSecretStore.key(location), secret.slice(0, 5))
    }
    await assert.rejects(
      moveSecrets({to: 'keychain', accounts, keychain: async () => keychain}),
      KeychainError,
    )
    assert.deepEqual(state.accounts, twoRegistries())
  })

  it('to the file with the keychain item gone: says so and how to log in again, file untouched', async () => {
    const {state, store: accounts} = memoryStore(twoRegistries())
    const keychain = new FakeSecretStore()
    await moveSecrets({to: 'keychain', registryHost: 'buoy.cr', accounts, keychain: async () => keychain})
    keychain.items.clear()
    const before = structuredClone(state.accounts)
    await assert.rejects(
      moveSecrets({to: 'file', registryHost: 'buoy.cr', accounts, keychain: async () => keychain}),
      (error) => {
        assert.ok(error instanceof MissingKeychainSecretError)
        assert.equal(
          error.message,
          'The OS keychain holds no device secret for carol.example.com on buoy.cr (removed outside docker-credential-atcr?). Log in again: docker-credential-atcr login buoy.cr --account carol.example.com',
        )
        return true
      },
    )
    assert.deepEqual(state.accounts, before)
  })

  it('to the file when the item cannot be deleted afterwards: moved, and the leftover item reported', async () => {
    const {state, store: accounts} = memoryStore(twoRegistries())
    const keychain = new FakeSecretStore()
    await moveSecrets({to: 'keychain', registryHost: 'buoy.cr', accounts, keychain: async () => keychain})
    keychain.delete = async () => {
      throw new KeychainError('locked', 'unlock prompt was dismissed')
    }
    const result = await moveSecrets({
      to: 'file',
      registryHost: 'buoy.cr',
      accounts,
      keychain: async () => keychain,
    })
    assert.equal(result.moved.length, 1)
    assert.equal(result.leftInKeychain.length, 1)
    assert.equal(
      account(state.accounts, 'https://buoy.cr', 'carol.example.com').device_secret,
      'atcr_device_carol',
    )
  })

  it('an account that changed in between (a new login) keeps its new secret in the file', async () => {
    const {state, store: accounts} = memoryStore(twoRegistries())
    const keychain = new FakeSecretStore()
    const realSet = keychain.set.bind(keychain)
    keychain.set = async (location, secret) => {
      await realSet(location, secret)
      accounts.update((file) => {
        account(file, 'https://buoy.cr', 'carol.example.com').device_secret = 'atcr_device_carol_new'
      })
    }
    const result = await moveSecrets({
      to: 'keychain',
      registryHost: 'buoy.cr',
      accounts,
      keychain: async () => keychain,
    })
    assert.deepEqual(result.moved, [])
    assert.equal(
      account(state.accounts, 'https://buoy.cr', 'carol.example.com').device_secret,
      'atcr_device_carol_new',
    )
  })

  it('an --account that names nobody: a usage error naming status', async () => {
    const {store: accounts} = memoryStore(twoRegistries())
    await assert.rejects(
      moveSecrets({
        to: 'keychain',
        registryHost: 'atcr.io',
        account: 'zed.example.com',
        accounts,
        keychain: async () => new FakeSecretStore(),
      }),
      (error) =>
        error instanceof AccountsError &&
        error.exit === 2 &&
        /No account zed\.example\.com on atcr\.io/.test(error.message),
    )
  })
})

describe('secretOf', () => {
  it('a file account: its device_secret, and the keychain is not opened', async () => {
    const file = twoRegistries()
    const secret = await secretOf(
      {key: ATCR, host: 'atcr.io'},
      account(file, ATCR, 'alice.bsky.social'),
      async () => assert.fail('the keychain was opened'),
    )
    assert.equal(secret, 'atcr_device_alice')
  })

  it('a keychain account: the item', async () => {
    const keychain = new FakeSecretStore({[FakeSecretStore.key(ALICE)]: 'atcr_device_alice_kc'})
    const secret = await secretOf(
      {key: ATCR, host: 'atcr.io'},
      {handle: 'alice.bsky.social', did: 'did:plc:alice', storage: 'keychain'} as never,
      async () => keychain,
    )
    assert.equal(secret, 'atcr_device_alice_kc')
  })
})
