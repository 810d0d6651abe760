/**
 * login, get, switch and logout of the built CLI with device secrets in a real Secret Service
 * (secret-service-rig.ts), against the AppView emulator on 127.0.0.1. Skips, with one line naming the
 * install command, where the packages are missing.
 */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'

import {useEmulator} from '../appview/cli-harness.ts'
import {keychainLocation} from '../../src/lib/secret-store/secret-store.ts'
import {runCli} from '../support/cli.ts'
import {secretServiceUnavailable, useSecretServiceSandbox} from './secret-service-rig.ts'

const alice = {handle: 'alice.test', did: 'did:plc:alice'}
const bob = {handle: 'bob.test', did: 'did:plc:bob'}

const unavailable = secretServiceUnavailable()

describe(
  'login, get, switch, logout with the keychain (real Secret Service)',
  {skip: unavailable ?? false, timeout: 120_000},
  () => {
    const emulator = useEmulator({interval: 0.2})
    const use = useSecretServiceSandbox()

    const item = (handle: string) => keychainLocation(emulator.url, handle)
    const lookup = (handle: string) => use.rig.lookup(item(handle).service, item(handle).account)
    const fileText = () => readFileSync(use.sandbox.accountFile, 'utf8')

    it('login --storage keychain with no Secret Service: one line naming --storage file, nothing saved or asked', async () => {
      await use.rig.stopKeyring()
      try {
        const secret = emulator.addAccount(alice)
        const result = await runCli(
          ['login', emulator.host, '--storage', 'keychain', '--with-token', '--account', 'alice.test'],
          {
            env: use.env,
            input: `${secret}\n`,
          },
        )
        assert.equal(result.code, 1)
        assert.match(result.stderr, /^Error: The OS keychain is not available \(.*\)\. .*--storage file.*\n$/)
        assert.doesNotMatch(result.stderr, new RegExp(secret))
        assert.deepEqual(emulator.requests, [])
      } finally {
        await use.rig.startKeyring()
      }
    })

    it('login --storage keychain (device flow): the secret in the keychain, none in the file; get answers with it', async () => {
      emulator.approveNext(alice)
      const result = await runCli(
        ['login', emulator.host, '--no-browser', '--storage', 'keychain', '--json'],
        {env: use.env},
      )
      assert.equal(result.code, 0, result.stderr)
      const secret = lookup('alice.test')
      assert.match(secret ?? '', /^atcr_device_/)
      assert.doesNotMatch(fileText(), /atcr_device_/)
      assert.match(fileText(), /"storage": "keychain"/)
      const got = await runCli(['get'], {input: emulator.host, env: use.env})
      assert.equal(got.code, 0, got.stdout)
      assert.equal(JSON.parse(got.stdout).Secret, secret)
    })

    it('ATCR_STORAGE=keychain: a second account (--with-token) in the keychain too; switch and get follow', async () => {
      const secret = emulator.addAccount(bob)
      const result = await runCli(['login', emulator.host, '--with-token', '--account', 'bob.test'], {
        env: {...use.env, ATCR_STORAGE: 'keychain'},
        input: `${secret}\n`,
      })
      assert.equal(result.code, 0, result.stderr)
      assert.equal(lookup('bob.test'), secret)
      assert.doesNotMatch(fileText(), /atcr_device_/)
      assert.equal(
        JSON.parse((await runCli(['get'], {input: emulator.host, env: use.env})).stdout).Username,
        'bob.test',
      )
      const switched = await runCli(['switch', emulator.host, '--account', 'alice.test'], {env: use.env})
      assert.equal(switched.code, 0, switched.stderr)
      const got = await runCli(['get'], {input: emulator.host, env: use.env})
      assert.deepEqual(
        {user: JSON.parse(got.stdout).Username, secret: JSON.parse(got.stdout).Secret},
        {user: 'alice.test', secret: lookup('alice.test')},
      )
    })

    it('moving both ways with storage, get answering all along', async () => {
      const toFile = await runCli(['storage', 'file', emulator.host], {env: use.env})
      assert.equal(toFile.code, 0, toFile.stderr)
      assert.equal(lookup('alice.test'), undefined)
      assert.match(fileText(), /atcr_device_/)
      assert.equal((await runCli(['get'], {input: emulator.host, env: use.env})).code, 0)
      const toKeychain = await runCli(['storage', 'keychain', emulator.host], {env: use.env})
      assert.equal(toKeychain.code, 0, toKeychain.stderr)
      assert.doesNotMatch(fileText(), /atcr_device_/)
      assert.equal((await runCli(['get'], {input: emulator.host, env: use.env})).code, 0)
    })

    it('logout revokes the secret read from the keychain, then deletes the item', async () => {
      const secret = lookup('bob.test')!
      const result = await runCli(['logout', emulator.host, '--account', 'bob.test', '--yes'], {env: use.env})
      assert.equal(result.code, 0, result.stderr)
      assert.doesNotMatch(result.stderr, /could not be deleted|did not confirm/)
      assert.equal(lookup('bob.test'), undefined)
      assert.ok(lookup('alice.test'), 'the other account keeps its item')
      // The AppView no longer accepts the revoked secret.
      const check = await fetch(`${emulator.url}/auth/token?service=${emulator.host}`, {
        headers: {authorization: `Basic ${Buffer.from(`bob.test:${secret}`).toString('base64')}`},
      })
      assert.equal(check.status, 401)
    })
  },
)
