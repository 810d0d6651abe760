/** logout of an account whose secret is in the keychain (in-memory keychain and account store). */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {logoutAccount, type LogoutInput} from '../../src/lib/accounts/logout-account.ts'
import type {AccountFile} from '../../src/lib/config/account-file.ts'
import {KeychainError, keychainLocation} from '../../src/lib/secret-store/secret-store.ts'
import {memoryStore} from '../unit/account-fakes.ts'
import {FakeSecretStore} from './fake-secret-store.ts'

const ALICE = keychainLocation('https://atcr.io', 'alice.test')

const aliceInKeychain = (): AccountFile => ({
  version: 2,
  registries: {
    'https://atcr.io': {
      active: 'alice.test',
      accounts: {'alice.test': {handle: 'alice.test', did: 'did:plc:alice', storage: 'keychain'} as never},
    },
  },
})

function setup(keychain: FakeSecretStore) {
  const {state, store} = memoryStore(aliceInKeychain())
  const events: string[] = []
  const input: LogoutInput = {
    yes: true,
    account: 'alice.test',
    store: {
      ...store,
      update: (change) => {
        events.push('save')
        return store.update(change)
      },
    },
    revoke: async (_host, _account, secret) => {
      events.push(`revoke ${secret}`)
      return true
    },
    keychain: async () => {
      events.push('keychain')
      return keychain
    },
  }
  return {state, events, input}
}

describe('logout of a keychain account', () => {
  it('revokes the secret read from the keychain, removes the account, then deletes the item', async () => {
    const keychain = new FakeSecretStore({[FakeSecretStore.key(ALICE)]: 'atcr_device_alice'})
    const {state, events, input} = setup(keychain)
    const outcome = await logoutAccount(input)
    assert.equal(outcome.outcome, 'logged out')
    assert.deepEqual(events, ['keychain', 'revoke atcr_device_alice', 'save', 'keychain'])
    assert.deepEqual(keychain.calls, [
      `get ${ALICE.service} alice.test`,
      `delete ${ALICE.service} alice.test`,
    ])
    assert.equal(keychain.items.size, 0)
    assert.deepEqual(state.accounts.registries, {})
  })

  it('a locked keychain: its one line, nothing revoked, nothing removed', async () => {
    const keychain = new FakeSecretStore({[FakeSecretStore.key(ALICE)]: 'atcr_device_alice'})
    keychain.failing = 'locked'
    const {state, events, input} = setup(keychain)
    await assert.rejects(
      logoutAccount(input),
      (error) => error instanceof KeychainError && /--storage file/.test(error.message),
    )
    assert.deepEqual(events, ['keychain'])
    assert.deepEqual(state.accounts, aliceInKeychain())
  })

  it('the item already gone: the account is removed, with nothing to revoke', async () => {
    const keychain = new FakeSecretStore()
    const {state, events, input} = setup(keychain)
    const outcome = await logoutAccount(input)
    assert.equal(outcome.outcome === 'logged out' && outcome.result.revoked, false)
    assert.deepEqual(events, ['keychain', 'save'])
    assert.deepEqual(state.accounts.registries, {})
  })

  it('an item that cannot be deleted afterwards: logged out, and the leftover reported', async () => {
    const keychain = new FakeSecretStore({[FakeSecretStore.key(ALICE)]: 'atcr_device_alice'})
    keychain.delete = async () => {
      throw new KeychainError('refused', 'no')
    }
    const {input} = setup(keychain)
    const outcome = await logoutAccount(input)
    assert.ok(outcome.outcome === 'logged out')
    assert.match(outcome.keychainProblem ?? '', /The OS keychain refused \(no\)/)
  })
})
