/**
 * The protocol verbs (`get`, `store`, `erase`, `list`) of the built CLI for accounts whose secret is in
 * a real Secret Service (gnome-keyring on a private bus: secret-service-rig.ts), as Docker runs them.
 * Skips, with one line naming the install command, where the packages are missing.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {KEYCHAIN_GET_BUDGET_MS, keychainLocation} from '../../src/lib/secret-store/secret-store.ts'
import {runCli} from '../support/cli.ts'
import {secretServiceUnavailable, useSecretServiceSandbox} from './secret-service-rig.ts'

const ALICE = keychainLocation('https://atcr.io', 'alice.bsky.social')
const SECRET = 'atcr_device_rig_alice_0123456789'

const unavailable = secretServiceUnavailable()

describe('protocol verbs with a keychain account (real Secret Service)', {skip: unavailable ?? false}, () => {
  const use = useSecretServiceSandbox()

  const aliceInKeychain = () =>
    use.sandbox.writeAccounts({
      version: 2,
      registries: {
        'https://atcr.io': {
          active: 'alice.bsky.social',
          accounts: {
            'alice.bsky.social': {handle: 'alice.bsky.social', did: 'did:plc:alice', storage: 'keychain'},
          },
        },
      },
    })

  it('store of a new account with ATCR_STORAGE=keychain: the secret in the keychain, none in the file', async () => {
    const input = JSON.stringify({ServerURL: 'atcr.io', Username: 'alice.bsky.social', Secret: SECRET})
    const stored = await runCli(['store'], {input, env: {...use.env, ATCR_STORAGE: 'keychain'}})
    assert.deepEqual({code: stored.code, stdout: stored.stdout}, {code: 0, stdout: ''}, stored.stderr)
    assert.equal(use.rig.lookup(ALICE.service, ALICE.account), SECRET)
    const file = JSON.stringify(use.sandbox.readAccounts())
    assert.doesNotMatch(file, /atcr_device_/)
    assert.match(file, /"storage":"keychain"/)
  })

  it('get answers with the keychain secret', async () => {
    aliceInKeychain()
    const got = await runCli(['get'], {input: 'atcr.io', env: use.env})
    assert.equal(got.code, 0, got.stdout + got.stderr)
    assert.equal(
      got.stdout,
      `${JSON.stringify({ServerURL: 'atcr.io', Username: 'alice.bsky.social', Secret: SECRET})}\n`,
    )
    assert.equal(got.stderr, '')
    const listed = await runCli(['list'], {env: use.env})
    assert.equal(listed.stdout, '{"atcr.io":"alice.bsky.social"}\n')
  })

  it('store of the same account again: the new secret goes to the keychain, the file keeps none', async () => {
    const input = JSON.stringify({
      ServerURL: 'atcr.io',
      Username: 'alice.bsky.social',
      Secret: `${SECRET}_new`,
    })
    const stored = await runCli(['store'], {input, env: use.env})
    assert.equal(stored.code, 0, stored.stdout + stored.stderr)
    assert.equal(use.rig.lookup(ALICE.service, ALICE.account), `${SECRET}_new`)
    assert.doesNotMatch(JSON.stringify(use.sandbox.readAccounts()), /atcr_device_/)
  })

  it('get with the keychain item gone: one line saying so and how to log in again', async () => {
    aliceInKeychain()
    await runCli(['erase'], {input: 'atcr.io', env: use.env}) // removes the item (and the account)
    aliceInKeychain()
    const got = await runCli(['get'], {input: 'atcr.io', env: use.env})
    assert.equal(got.code, 1)
    assert.equal(
      got.stdout,
      'atcr.io: The OS keychain holds no device secret for alice.bsky.social on atcr.io (removed outside docker-credential-atcr?). Log in again: docker-credential-atcr login atcr.io --account alice.bsky.social\n',
    )
  })

  it('erase removes the account and its keychain item', async () => {
    const input = JSON.stringify({ServerURL: 'atcr.io', Username: 'alice.bsky.social', Secret: SECRET})
    await runCli(['store'], {input, env: {...use.env, ATCR_STORAGE: 'keychain'}})
    aliceInKeychain()
    assert.equal(use.rig.lookup(ALICE.service, ALICE.account), SECRET)
    const erased = await runCli(['erase'], {input: 'atcr.io', env: use.env})
    assert.deepEqual(
      {code: erased.code, stdout: erased.stdout, stderr: erased.stderr},
      {code: 0, stdout: '', stderr: ''},
    )
    assert.equal(use.rig.lookup(ALICE.service, ALICE.account), undefined)
    assert.deepEqual(use.sandbox.readAccounts(), {version: 2, registries: {}})
  })

  it('get with the keychain locked and its prompt never answered: one line within the budget, exit 1', async () => {
    const input = JSON.stringify({ServerURL: 'atcr.io', Username: 'alice.bsky.social', Secret: SECRET})
    await runCli(['store'], {input, env: {...use.env, ATCR_STORAGE: 'keychain'}})
    aliceInKeychain()
    use.rig.lock()
    await use.rig.promptNobodyAnswers()
    try {
      const started = performance.now()
      const got = await runCli(['get'], {input: 'atcr.io', env: use.env, timeoutMs: 20_000})
      const ms = performance.now() - started
      assert.equal(got.code, 1, `${got.signal} ${got.stdout}`)
      assert.match(
        got.stdout,
        /^atcr\.io: The OS keychain did not answer \(no answer within 1500 ms: locked, or waiting on a prompt\)\. .*--storage file.*: docker-credential-atcr storage file atcr\.io --account alice\.bsky\.social\n$/,
      )
      assert.ok(ms < KEYCHAIN_GET_BUDGET_MS + 3000, `took ${ms.toFixed(0)} ms`)
    } finally {
      await use.rig.promptCannotShow()
      await use.rig.stopKeyring()
      await use.rig.startKeyring()
    }
  })

  it('get with no D-Bus at all: one line naming DBUS_SESSION_BUS_ADDRESS and storage file', async () => {
    aliceInKeychain()
    const {DBUS_SESSION_BUS_ADDRESS: _, ...noBus} = use.env
    const got = await runCli(['get'], {input: 'atcr.io', env: noBus})
    assert.equal(got.code, 1)
    assert.match(
      got.stdout,
      /^atcr\.io: The OS keychain is not available \(no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set;.*storage file atcr\.io --account alice\.bsky\.social\n$/,
    )
  })
})
