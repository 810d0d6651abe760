/** `status` spawned as a real process against the AppView emulator (run `npm run build` first). */
import assert from 'node:assert/strict'
import {afterEach, beforeEach, describe, it} from 'node:test'

import {makeSandbox, runCli, type Sandbox, useEmulator} from '../appview/cli-harness.ts'
import {runVerbUnderClient} from '../support/cli.ts'

describe('status', {timeout: 60_000}, () => {
  let sandbox: Sandbox
  let secrets: string[]
  const emulator = useEmulator()
  beforeEach(() => {
    sandbox = makeSandbox()
    secrets = [
      emulator.addAccount({handle: 'alice.test', did: 'did:plc:alice'}),
      emulator.addAccount({handle: 'bob.test', did: 'did:plc:bob'}),
    ]
    sandbox.writeAccounts({
      version: 2,
      registries: {
        [emulator.url]: {
          active: 'alice.test',
          accounts: {
            'alice.test': {handle: 'alice.test', did: 'did:plc:alice', device_secret: secrets[0]},
            'bob.test': {handle: 'bob.test', did: '', device_secret: secrets[1]},
          },
        },
        'http://127.0.0.1:1': {
          accounts: {'carol.test': {handle: 'carol.test', did: '', device_secret: 'atcr_device_c'}},
        },
      },
    })
  })
  afterEach(() => sandbox.cleanup())

  it('checks every account and prints the documented --json shape, with no secret', async () => {
    emulator.expireSession('bob.test')
    const result = await runCli(['status', '--json'], {env: sandbox.env})
    emulator.restoreSession('bob.test')
    assert.equal(result.code, 1, 'an expired session needs a new login')
    for (const secret of secrets)
      assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret))
    const report = JSON.parse(result.stdout)
    assert.deepEqual(report, {
      registries: [
        {
          registry: '127.0.0.1:1',
          url: 'http://127.0.0.1:1',
          active: null,
          accounts: [
            {
              handle: 'carol.test',
              did: '',
              active: false,
              state: 'unreachable',
              detail: 'connection refused',
            },
          ],
        },
        {
          registry: emulator.host,
          url: emulator.url,
          active: 'alice.test',
          accounts: [
            {handle: 'alice.test', did: 'did:plc:alice', active: true, state: 'valid'},
            {
              handle: 'bob.test',
              did: '',
              active: false,
              state: 'session_expired',
              loginUrl: `${emulator.url}/auth/oauth/login?handle=bob.test`,
            },
          ],
        },
      ],
      needsLogin: true,
    })
  })

  it('prints one line per account for people, the active one marked, and exits 0 when none needs a login', async () => {
    const result = await runCli(['status', emulator.host], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, '')
    const lines = result.stderr.trimEnd().split('\n')
    assert.deepEqual(lines, [
      emulator.host,
      '  ✓ alice.test (did:plc:alice) [active]: valid',
      '  ✓ bob.test (did:plc:bob): valid',
    ])
  })

  it('keeps a DID the check revealed, so get then matches image references that name it', async () => {
    const before = await runVerbUnderClient(
      ['skopeo', 'copy', 'docker-archive:/tmp/x.tar', `docker://${emulator.host}/did:plc:bob/app:1`],
      'get',
      {input: emulator.host, env: sandbox.env},
    )
    assert.equal(JSON.parse(before.stdout).Username, 'alice.test', 'no DID saved yet: the active account')

    const result = await runCli(['status', '--json'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    const saved = sandbox.readAccounts().registries
    assert.equal(saved[emulator.url]!.accounts['bob.test']!.did, 'did:plc:bob')
    assert.equal(saved['http://127.0.0.1:1']!.accounts['carol.test']!.did, '', 'unreachable: nothing learned')
    assert.equal(saved[emulator.url]!.accounts['bob.test']!.device_secret, secrets[1])

    const after = await runVerbUnderClient(
      ['skopeo', 'copy', 'docker-archive:/tmp/x.tar', `docker://${emulator.host}/did:plc:bob/app:1`],
      'get',
      {input: emulator.host, env: sandbox.env},
    )
    assert.equal(after.code, 0, after.stdout)
    assert.equal(JSON.parse(after.stdout).Username, 'bob.test')
  })

  it('names the fix for a revoked secret', async () => {
    emulator.revoke(secrets[1]!)
    const result = await runCli(['status', emulator.host], {env: sandbox.env})
    assert.equal(result.code, 1)
    assert.match(
      result.stderr,
      /✗ bob\.test: secret not accepted \(revoked\?\): run docker-credential-atcr login 127\.0\.0\.1:\d+/,
    )
  })

  it('--offline makes no request', async () => {
    const result = await runCli(['status', '--offline', '--json'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(emulator.requests.length, 0)
    const states = JSON.parse(result.stdout).registries.flatMap((r: {accounts: {state: string}[]}) =>
      r.accounts.map((a) => a.state),
    )
    assert.deepEqual(states, ['unchecked', 'unchecked', 'unchecked'])
  })

  it('with no accounts, says how to log in', async () => {
    const result = await runCli(['status', 'buoy.cr', '--json'], {env: sandbox.env})
    assert.equal(result.code, 0)
    assert.deepEqual(JSON.parse(result.stdout), {registries: [], needsLogin: false})
    assert.match(result.stderr, /No accounts for buoy\.cr\. Run: docker-credential-atcr login buoy\.cr/)
  })
})
