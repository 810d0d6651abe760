/** `logout` spawned as a real process against the AppView emulator (run `npm run build` first). */
import assert from 'node:assert/strict'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, it} from 'node:test'

import {accountFileFor, makeSandbox, type Sandbox, useEmulator} from '../appview/cli-harness.ts'
import {cannotMountReason, readOnlyConfigDirectory} from '../support/tmpfs.ts'
import {runInProcess} from '../support/in-process-cli.ts'

describe('logout', {timeout: 60_000}, () => {
  let sandbox: Sandbox
  let secrets: {alice: string; bob: string}
  const emulator = useEmulator()
  beforeEach(() => {
    sandbox = makeSandbox()
    secrets = {
      alice: emulator.addAccount({handle: 'alice.test', did: 'did:plc:alice'}),
      bob: emulator.addAccount({handle: 'bob.test', did: 'did:plc:bob'}),
    }
    sandbox.writeAccounts(
      accountFileFor(emulator.url, [
        {handle: 'alice.test', did: 'did:plc:alice', device_secret: secrets.alice},
        {handle: 'bob.test', did: 'did:plc:bob', device_secret: secrets.bob},
      ]),
    )
  })
  afterEach(() => sandbox.cleanup())

  const secretWorks = async (handle: string, secret: string) =>
    (
      await fetch(`${emulator.url}/auth/token?service=x`, {
        headers: {authorization: `Basic ${Buffer.from(`${handle}:${secret}`).toString('base64')}`},
      })
    ).status === 200

  it('logs out the active account, revokes it, and names the account that becomes active', async () => {
    const result = await runInProcess(['logout', emulator.host, '--account', 'alice.test', '--yes'], {
      env: sandbox.env,
    })
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /Logged out alice\.test from 127\.0\.0\.1:\d+\n/)
    assert.match(result.stderr, /bob\.test is now the active account for 127\.0\.0\.1:\d+/)
    const entry = sandbox.readAccounts().registries[emulator.url]!
    assert.deepEqual(Object.keys(entry.accounts), ['bob.test'])
    assert.equal(entry.active, 'bob.test')
    assert.equal(await secretWorks('alice.test', secrets.alice), false)
    assert.equal(await secretWorks('bob.test', secrets.bob), true)
  })

  it('prints {registry, removed, revoked, active} with --json, and accepts a DID', async () => {
    const result = await runInProcess(['logout', emulator.host, '-a', 'did:plc:bob', '--yes', '--json'], {
      env: sandbox.env,
    })
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), {
      registry: emulator.host,
      removed: 'bob.test',
      revoked: true,
      active: 'alice.test',
    })
    assert.doesNotMatch(result.stdout, /atcr_device_/)
  })

  it('removes the account locally even when the AppView is unreachable', async () => {
    const url = 'http://127.0.0.1:1'
    sandbox.writeAccounts(
      accountFileFor(url, [{handle: 'alice.test', did: '', device_secret: 'atcr_device_x'}]),
    )
    const result = await runInProcess(['logout', '127.0.0.1:1', '--yes', '--json'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), {
      registry: '127.0.0.1:1',
      removed: 'alice.test',
      revoked: false,
      active: null,
    })
    assert.deepEqual(sandbox.readAccounts().registries, {})
  })

  it('without a terminal: names --account when several accounts exist, and --yes to skip the question', async () => {
    const which = await runInProcess(['logout', emulator.host, '--yes'], {env: sandbox.env})
    assert.equal(which.code, 2)
    assert.match(which.stderr, /Which account .* Pass --account/)
    const confirm = await runInProcess(['logout', emulator.host, '-a', 'bob.test'], {env: sandbox.env})
    assert.equal(confirm.code, 2)
    assert.match(confirm.stderr, /Log out bob\.test .* Pass --yes/)
    assert.equal(Object.keys(sandbox.readAccounts().registries[emulator.url]!.accounts).length, 2)
  })

  it('says so when there is nothing to log out, or the account is unknown', async () => {
    const none = await runInProcess(['logout', 'buoy.cr', '--yes'], {env: sandbox.env})
    assert.equal(none.code, 1)
    assert.match(none.stderr, /No accounts for buoy\.cr/)
    const unknown = await runInProcess(['logout', emulator.host, '-a', 'carol.test', '--yes'], {
      env: sandbox.env,
    })
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /carol\.test is not an account of .*Accounts: alice\.test, bob\.test/)
  })

  it('without REGISTRY uses the only registry with accounts, as switch and status do', async () => {
    const result = await runInProcess(['logout', '-a', 'alice.test', '--yes'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /Logged out alice\.test from 127\.0\.0\.1:\d+/)
    assert.deepEqual(Object.keys(sandbox.readAccounts().registries[emulator.url]!.accounts), ['bob.test'])
  })

  it('without REGISTRY and several registries with accounts, without a terminal names them and the command', async () => {
    const file = sandbox.readAccounts() as unknown as {registries: Record<string, unknown>}
    file.registries['https://buoy.cr'] = {
      active: 'carol.test',
      accounts: {'carol.test': {handle: 'carol.test', did: '', device_secret: 'atcr_device_carol'}},
    }
    sandbox.writeAccounts(file)
    const result = await runInProcess(['logout', '--yes', '-a', 'alice.test'], {env: sandbox.env})
    assert.equal(result.code, 2)
    const escaped = emulator.host.replaceAll('.', '\\.')
    assert.match(result.stderr, new RegExp(`buoy\\.cr`))
    assert.match(result.stderr, new RegExp(escaped))
    assert.match(result.stderr, /logout (buoy\.cr|127\.0\.0\.1:\d+)/)
    assert.equal(emulator.requests.length, 0)
    assert.equal(Object.keys(sandbox.readAccounts().registries[emulator.url]!.accounts).length, 2)
  })

  it(
    'with a read-only config directory revokes nothing: the account stays usable and nothing was changed',
    {skip: cannotMountReason ?? false},
    async () => {
      const readOnly = readOnlyConfigDirectory(sandbox.root)
      try {
        const env = {...sandbox.env, ATCR_CONFIG_DIR: readOnly.directory}
        writeFileSync(
          path.join(readOnly.directory, 'device.json'),
          JSON.stringify(
            accountFileFor(emulator.url, [
              {handle: 'alice.test', did: 'did:plc:alice', device_secret: secrets.alice},
              {handle: 'bob.test', did: 'did:plc:bob', device_secret: secrets.bob},
            ]),
          ),
          {mode: 0o600},
        )
        readOnly.lock()
        const result = await runInProcess(['logout', emulator.host, '-a', 'bob.test', '--yes'], {env})
        assert.equal(result.code, 1, result.stderr)
        assert.match(result.stderr, /read-only/)
        assert.match(result.stderr, /Nothing was changed/)
        assert.deepEqual(
          emulator.requests.filter((request) => request.method === 'DELETE'),
          [],
          'the secret was revoked although the account could not be removed',
        )
        assert.equal(await secretWorks('bob.test', secrets.bob), true)
      } finally {
        readOnly.cleanup()
      }
    },
  )

  it('leaves no copy of the removed secret in the config directory (a migration backup), and says so', async () => {
    sandbox.writeAccounts({handle: 'alice.test', device_secret: secrets.alice, appview_url: emulator.url})
    const result = await runInProcess(['logout', emulator.host, '--yes'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    const names = readdirSync(sandbox.configDir)
    assert.ok(
      names.some((name) => name.startsWith('device.json.bak')),
      `the migration kept no backup: ${names.join(', ')}`,
    )
    for (const name of names) {
      const text = readFileSync(path.join(sandbox.configDir, name), 'utf8')
      assert.ok(!text.includes(secrets.alice), `${name} still holds the removed secret`)
    }
    assert.match(result.stderr, /device\.json\.bak/)
    assert.equal(await secretWorks('alice.test', secrets.alice), false)
  })
})
