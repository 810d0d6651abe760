import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {AccountFile} from '../../src/lib/config/account-file.ts'
import {accountToReplace, removeAccount, saveLogin} from '../../src/lib/device-flow/account-changes.ts'

const file = (): AccountFile => ({
  version: 2,
  registries: {
    'https://atcr.io': {
      active: 'alice.test',
      note: 'kept',
      accounts: {
        'alice.test': {
          handle: 'alice.test',
          did: 'did:plc:alice',
          device_secret: 'atcr_device_a',
          label: 'work',
        },
        'bob.test': {handle: 'bob.test', did: 'did:plc:bob', device_secret: 'atcr_device_b'},
      },
    },
  },
})

describe('account changes of login and logout', () => {
  it('saves a new registry under the given key, active', () => {
    const accounts = file()
    const login = {handle: 'carol.test', did: 'did:plc:carol', deviceSecret: 'atcr_device_c'}
    assert.deepEqual(
      saveLogin(accounts, {
        host: 'buoy.cr',
        registryKey: 'https://buoy.cr',
        appViewUrl: 'https://buoy.cr',
        login,
      }),
      {
        replaced: false,
      },
    )
    assert.deepEqual(accounts.registries['https://buoy.cr'], {
      active: 'carol.test',
      accounts: {'carol.test': {handle: 'carol.test', did: 'did:plc:carol', device_secret: 'atcr_device_c'}},
    })
  })

  it('replaces an account found by DID under a new handle, keeping fields it does not know', () => {
    const accounts = file()
    const login = {handle: 'alice.example.com', did: 'did:plc:alice', deviceSecret: 'atcr_device_new'}
    assert.equal(accountToReplace(accounts, 'atcr.io', login)?.key, 'alice.test')
    assert.deepEqual(
      saveLogin(accounts, {host: 'atcr.io', registryKey: 'unused', appViewUrl: 'https://atcr.io/', login}),
      {replaced: true},
    )
    const entry = accounts.registries['https://atcr.io']!
    assert.deepEqual(Object.keys(entry.accounts).sort(), ['alice.example.com', 'bob.test'])
    assert.deepEqual(entry.accounts['alice.example.com'], {
      handle: 'alice.example.com',
      did: 'did:plc:alice',
      device_secret: 'atcr_device_new',
      label: 'work',
    })
    assert.equal(entry.active, 'alice.example.com')
  })

  it('keeps the AppView URL on the account when it is not the registry itself, and drops a stale one', () => {
    const accounts = file()
    const login = {handle: 'carol.test', did: 'did:plc:carol', deviceSecret: 'atcr_device_c'}
    saveLogin(accounts, {
      host: 'example.cr',
      registryKey: 'https://example.cr',
      appViewUrl: 'https://appview.example.net',
      login,
    })
    assert.deepEqual(accounts.registries['https://example.cr']!.accounts['carol.test'], {
      handle: 'carol.test',
      did: 'did:plc:carol',
      device_secret: 'atcr_device_c',
      appview_url: 'https://appview.example.net',
    })
    // Logged in again where the registry itself is the AppView: the old AppView did not issue this secret.
    saveLogin(accounts, {
      host: 'example.cr',
      registryKey: 'unused',
      appViewUrl: 'https://example.cr',
      login: {...login, deviceSecret: 'atcr_device_c2'},
    })
    assert.equal(accounts.registries['https://example.cr']!.accounts['carol.test']!.appview_url, undefined)
  })

  it('removing the active account makes the next one active; removing the last drops a bare registry', () => {
    const accounts = file()
    assert.deepEqual(removeAccount(accounts, {host: 'atcr.io', key: 'alice.test'}), {
      removed: true,
      wasActive: true,
      newActive: 'bob.test',
    })
    assert.equal(accounts.registries['https://atcr.io']!.active, 'bob.test')
    removeAccount(accounts, {host: 'atcr.io', key: 'bob.test'})
    assert.deepEqual(
      accounts.registries['https://atcr.io'],
      {note: 'kept', accounts: {}},
      'unknown fields keep it',
    )

    const bare: AccountFile = {
      version: 2,
      registries: {'https://buoy.cr': {accounts: {x: {handle: 'x', did: '', device_secret: 's'}}}},
    }
    assert.deepEqual(removeAccount(bare, {host: 'buoy.cr', key: 'x'}), {
      removed: true,
      wasActive: false,
      newActive: undefined,
    })
    assert.deepEqual(bare.registries, {})
    assert.deepEqual(removeAccount(bare, {host: 'buoy.cr', key: 'x'}), {removed: false, wasActive: false})
  })
})
