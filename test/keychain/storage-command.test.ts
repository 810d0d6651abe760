/**
 * `storage keychain|file` of the built CLI against a real Secret Service (secret-service-rig.ts):
 * both ways, what it prints, and a locked keychain. Skips, with one line naming the install command,
 * where the packages are missing.
 */
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {keychainLocation} from '../../src/lib/secret-store/secret-store.ts'
import {runCli} from '../support/cli.ts'
import {secretServiceUnavailable, useSecretServiceSandbox} from './secret-service-rig.ts'

const ALICE = keychainLocation('https://atcr.io', 'alice.bsky.social')
const BOB = keychainLocation('https://atcr.io', 'bob.example.com')
const SECRETS = {alice: 'atcr_device_storage_alice_01234', bob: 'atcr_device_storage_bob_56789'}

const unavailable = secretServiceUnavailable()

describe('storage keychain|file (real Secret Service)', {skip: unavailable ?? false}, () => {
  const use = useSecretServiceSandbox()

  const twoFileAccounts = () =>
    use.sandbox.writeAccounts({
      version: 2,
      registries: {
        'https://atcr.io': {
          active: 'alice.bsky.social',
          accounts: {
            'alice.bsky.social': {
              handle: 'alice.bsky.social',
              did: 'did:plc:alice',
              device_secret: SECRETS.alice,
            },
            'bob.example.com': {handle: 'bob.example.com', did: 'did:plc:bob', device_secret: SECRETS.bob},
          },
        },
      },
    })

  /** Every file in the config directory, as text: no secret may be left in any of them. */
  const onDisk = () =>
    readdirSync(use.sandbox.configDir)
      .map((name) => readFileSync(path.join(use.sandbox.configDir, name), 'utf8'))
      .join('\n')

  it('to the keychain and back: the secrets move, get keeps answering, nothing is left behind', async () => {
    twoFileAccounts()
    const moved = await runCli(['storage', 'keychain', '--json'], {env: use.env})
    assert.equal(moved.code, 0, moved.stderr)
    assert.deepEqual(JSON.parse(moved.stdout), {
      moved: [
        {registry: 'atcr.io', handle: 'alice.bsky.social', from: 'file', to: 'keychain'},
        {registry: 'atcr.io', handle: 'bob.example.com', from: 'file', to: 'keychain'},
      ],
      unchanged: [],
      leftInKeychain: [],
    })
    assert.equal(use.rig.lookup(ALICE.service, ALICE.account), SECRETS.alice)
    assert.equal(use.rig.lookup(BOB.service, BOB.account), SECRETS.bob)
    assert.doesNotMatch(onDisk(), /atcr_device_/)

    const got = await runCli(['get'], {input: 'atcr.io', env: use.env})
    assert.equal(JSON.parse(got.stdout).Secret, SECRETS.alice)

    const back = await runCli(['storage', 'file', 'atcr.io', '--account', 'bob.example.com'], {env: use.env})
    assert.equal(back.code, 0, back.stderr)
    assert.equal(back.stdout, '')
    assert.equal(back.stderr, 'Moved the secret of bob.example.com on atcr.io to the account file\n')
    assert.equal(use.rig.lookup(BOB.service, BOB.account), undefined)
    assert.equal(use.rig.lookup(ALICE.service, ALICE.account), SECRETS.alice)
    const accounts = use.sandbox.readAccounts() as {
      registries: Record<string, {accounts: Record<string, unknown>}>
    }
    assert.deepEqual(accounts.registries['https://atcr.io']!.accounts['bob.example.com'], {
      handle: 'bob.example.com',
      did: 'did:plc:bob',
      device_secret: SECRETS.bob,
    })
    const again = await runCli(['storage', 'file'], {env: use.env})
    assert.equal(again.code, 0, again.stderr)
    assert.match(
      again.stderr,
      /^Moved the secret of alice\.bsky\.social on atcr\.io to the account file\nbob\.example\.com on atcr\.io: its secret is in the account file already\n$/,
    )
    assert.equal(use.rig.lookup(ALICE.service, ALICE.account), undefined)
  })

  it('to the keychain with no Secret Service: one line naming --storage file, the file untouched', async () => {
    twoFileAccounts()
    const before = readFileSync(use.sandbox.accountFile, 'utf8')
    await use.rig.stopKeyring()
    try {
      const moved = await runCli(['storage', 'keychain'], {env: use.env})
      assert.equal(moved.code, 1)
      assert.match(
        moved.stderr,
        /^Error: The OS keychain is not available \(.*org\.freedesktop\.secrets.*--storage file.*\n$/,
      )
      assert.equal(readFileSync(use.sandbox.accountFile, 'utf8'), before)
    } finally {
      await use.rig.startKeyring()
    }
  })

  it('status shows each account’s storage, and flags a keychain item that has gone missing', async () => {
    twoFileAccounts()
    await runCli(['storage', 'keychain', 'atcr.io', '--account', 'alice.bsky.social'], {env: use.env})
    const fine = await runCli(['status', '--offline', '--json'], {env: use.env})
    assert.equal(fine.code, 0, fine.stderr)
    const accounts = (report: string) =>
      (
        JSON.parse(report) as {registries: {accounts: {handle: string; storage: string; state: string}[]}[]}
      ).registries[0]!.accounts.map(({handle, storage, state}) => ({handle, storage, state}))
    assert.deepEqual(accounts(fine.stdout), [
      {handle: 'alice.bsky.social', storage: 'keychain', state: 'unchecked'},
      {handle: 'bob.example.com', storage: 'file', state: 'unchecked'},
    ])
    use.rig.clear(ALICE.service, ALICE.account)
    const missing = await runCli(['status', '--offline', '--json'], {env: use.env})
    assert.equal(missing.code, 1)
    assert.deepEqual(accounts(missing.stdout)[0], {
      handle: 'alice.bsky.social',
      storage: 'keychain',
      state: 'keychain_missing',
    })
    assert.equal(JSON.parse(missing.stdout).needsLogin, true)
    const text = await runCli(['status', '--offline'], {env: use.env})
    assert.match(
      text.stdout,
      /✗ alice\.bsky\.social \(did:plc:alice\) \[active\] \[keychain\]: its secret is missing from the OS keychain: run docker-credential-atcr login atcr\.io --account alice\.bsky\.social\n/,
    )
    assert.doesNotMatch(missing.stdout + text.stdout + text.stderr, /atcr_device_/)
  })
})
