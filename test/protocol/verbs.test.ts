/**
 * The four protocol verbs, spawned as real processes: exact stdout bytes and exit codes
 * (spec/docker-protocol.md).
 */
import assert from 'node:assert/strict'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {after, before, describe, it} from 'node:test'

import {makeSandbox, runCli, runVerbUnderClient, type Sandbox} from '../support/cli.ts'

/** What a verb left in HOME, but for ~/.cache (Node's compiled-code cache, bin/run.js): not account state. */
const accountStateIn = (home: string) => readdirSync(home).filter((name) => name !== '.cache')

const ALICE = {
  handle: 'alice.bsky.social',
  did: 'did:plc:alice111',
  device_secret: 'atcr_device_alice_secret',
}
const BOB = {handle: 'bob.example.com', did: 'did:plc:bob222', device_secret: 'atcr_device_bob_secret'}
const CAROL = {handle: 'carol.test', did: '', device_secret: 'atcr_device_carol_secret'}

function twoAccounts(active?: string) {
  return {
    version: 2,
    registries: {
      'https://atcr.io': {active, accounts: {[ALICE.handle]: ALICE, [BOB.handle]: BOB}},
      'http://localhost:5000': {active: CAROL.handle, accounts: {[CAROL.handle]: CAROL}},
    },
  }
}

const credentials = (server: string, account: typeof ALICE) =>
  `${JSON.stringify({ServerURL: server, Username: account.handle, Secret: account.device_secret})}\n`

describe('get', () => {
  let sandbox: Sandbox
  before(() => {
    sandbox = makeSandbox()
  })
  after(() => sandbox.cleanup())

  it("answers Docker's exact not-found text when there is no account at all", async () => {
    const result = await runCli(['get'], {input: 'atcr.io', env: sandbox.env})
    assert.equal(result.stdout, 'credentials not found in native keychain\n')
    assert.equal(result.code, 1)
  })

  it('returns the active account as compact JSON and nothing else', async () => {
    sandbox.writeAccounts(twoAccounts(BOB.handle))
    const result = await runCli(['get'], {input: 'atcr.io', env: sandbox.env})
    assert.equal(result.stdout, credentials('atcr.io', BOB))
    assert.equal(result.code, 0)
    assert.equal(result.stderr, '')
  })

  it('accepts every server form and echoes it as ServerURL', async () => {
    sandbox.writeAccounts(twoAccounts(BOB.handle))
    for (const server of ['https://atcr.io', 'https://atcr.io/', 'atcr.io:443', 'atcr.io\n', ' atcr.io ']) {
      const result = await runCli(['get'], {input: server, env: sandbox.env})
      assert.equal(result.stdout, credentials(server.trim(), BOB), JSON.stringify(server))
      assert.equal(result.code, 0)
    }
    const local = await runCli(['get'], {input: 'localhost:5000', env: sandbox.env})
    assert.equal(local.stdout, credentials('localhost:5000', CAROL))
  })

  it('picks the account named on the parent command line', async () => {
    sandbox.writeAccounts(twoAccounts(BOB.handle))
    const push = await runVerbUnderClient(['docker', 'push', 'atcr.io/alice.bsky.social/app:latest'], 'get', {
      input: 'atcr.io',
      env: sandbox.env,
    })
    assert.equal(push.stdout, credentials('atcr.io', ALICE))
    assert.equal(push.code, 0)
    const byDid = await runVerbUnderClient(
      ['docker', 'pull', 'atcr.io/did:plc:bob222/app@sha256:' + 'c'.repeat(64)],
      'get',
      {
        input: 'atcr.io',
        env: sandbox.env,
      },
    )
    assert.equal(byDid.stdout, credentials('atcr.io', BOB))
  })

  it('lets ATCR_ACCOUNT beat the command line', async () => {
    sandbox.writeAccounts(twoAccounts(undefined))
    const result = await runVerbUnderClient(['docker', 'push', 'atcr.io/alice.bsky.social/app'], 'get', {
      input: 'atcr.io',
      env: {...sandbox.env, ATCR_ACCOUNT: 'bob.example.com'},
    })
    assert.equal(result.stdout, credentials('atcr.io', BOB))
  })

  it('refuses an ATCR_ACCOUNT that names no account on any registry, in one line naming the accounts it could mean', async () => {
    sandbox.writeAccounts(twoAccounts(BOB.handle))
    const result = await runCli(['get'], {
      input: 'atcr.io',
      env: {...sandbox.env, ATCR_ACCOUNT: 'alcie.bsky.social'},
    })
    assert.equal(result.code, 1)
    assert.equal(
      result.stdout,
      'ATCR_ACCOUNT=alcie.bsky.social names no account on any registry. Did you mean alice.bsky.social? Fix or unset ATCR_ACCOUNT.\n',
    )
    const unlike = await runCli(['get'], {input: 'atcr.io', env: {...sandbox.env, ATCR_ACCOUNT: 'zed.test'}})
    assert.equal(
      unlike.stdout,
      'ATCR_ACCOUNT=zed.test names no account on any registry. Accounts for atcr.io: alice.bsky.social, bob.example.com. Fix or unset ATCR_ACCOUNT.\n',
    )
    assert.ok(!(result.stdout + result.stderr + unlike.stdout + unlike.stderr).includes('atcr_device_'))
  })

  it('lets an ATCR_ACCOUNT of another registry fall through, and ATCR_DEBUG says so', async () => {
    sandbox.writeAccounts(twoAccounts(BOB.handle))
    const result = await runCli(['get'], {
      input: 'atcr.io',
      env: {...sandbox.env, ATCR_ACCOUNT: CAROL.handle, ATCR_DEBUG: '1'},
    })
    assert.equal(result.stdout, credentials('atcr.io', BOB))
    assert.match(result.stderr, /ATCR_ACCOUNT=carol\.test is an account of localhost:5000, not of atcr\.io/)
  })

  it('with several accounts and nothing to choose by, names the switch command', async () => {
    sandbox.writeAccounts(twoAccounts(undefined))
    const result = await runCli(['get'], {input: 'atcr.io', env: sandbox.env})
    assert.equal(result.stdout, 'Multiple accounts for atcr.io. Run: docker-credential-atcr switch\n')
    assert.equal(result.code, 1)
    assert.match(result.stderr, /ATCR_ACCOUNT/)
  })

  it('falls through an ambiguous command line to the active account', async () => {
    sandbox.writeAccounts(twoAccounts(ALICE.handle))
    const result = await runVerbUnderClient(
      ['skopeo', 'copy', 'docker://atcr.io/alice.bsky.social/x', 'docker://atcr.io/bob.example.com/y'],
      'get',
      {input: 'atcr.io', env: sandbox.env},
    )
    assert.equal(result.stdout, credentials('atcr.io', ALICE))
  })

  it('explains its choice on stderr with ATCR_DEBUG=1, never a secret', async () => {
    sandbox.writeAccounts(twoAccounts(BOB.handle))
    const result = await runVerbUnderClient(['docker', 'push', 'atcr.io/alice.bsky.social/app'], 'get', {
      input: 'atcr.io',
      env: {...sandbox.env, ATCR_DEBUG: '1'},
    })
    assert.equal(result.stdout, credentials('atcr.io', ALICE))
    assert.match(
      result.stderr,
      /atcr\.io → alice\.bsky\.social \(rule: command line; process \d+ \(docker\) names atcr\.io\/alice\.bsky\.social/,
    )
    assert.ok(!result.stderr.includes('atcr_device_'))
  })

  it('says nothing on stderr when ATCR_DEBUG is written as off', async () => {
    sandbox.writeAccounts(twoAccounts(BOB.handle))
    for (const value of ['0', 'false', 'no', 'off', 'OFF', '']) {
      const result = await runCli(['get'], {input: 'atcr.io', env: {...sandbox.env, ATCR_DEBUG: value}})
      assert.equal(result.code, 0)
      assert.equal(result.stderr, '', `ATCR_DEBUG=${value}`)
    }
  })

  it('rejects empty input and hostile hosts with one line and exit 1', async () => {
    for (const [input, expected] of [
      ['', 'no credentials server URL\n'],
      ['  \n', 'no credentials server URL\n'],
      ['ftp://atcr.io', /^invalid registry server address: .*scheme "ftp".*\n$/],
      ['atcr.io/../etc', /^invalid registry server address: .*relative path.*\n$/],
    ] as const) {
      const result = await runCli(['get'], {input, env: sandbox.env})
      if (typeof expected === 'string') assert.equal(result.stdout, expected)
      else assert.match(result.stdout, expected)
      assert.equal(result.code, 1)
    }
  })

  it('reports a corrupt account file naming it, and leaves it alone', async () => {
    sandbox.writeAccounts('{"version": 2, "registries": {')
    const result = await runCli(['get'], {input: 'atcr.io', env: sandbox.env})
    assert.equal(result.code, 1)
    assert.match(
      result.stdout,
      new RegExp(
        `^docker-credential-atcr: cannot use the account file ${sandbox.accountFile}: not valid JSON`,
      ),
    )
    assert.equal(result.stdout.trimEnd().split('\n').length, 1)
    assert.equal(readFileSync(sandbox.accountFile, 'utf8'), '{"version": 2, "registries": {')
  })

  it('migrates a legacy file on first use and keeps a backup', async () => {
    const legacy = JSON.stringify({
      handle: ALICE.handle,
      device_secret: ALICE.device_secret,
      appview_url: 'https://atcr.io',
    })
    sandbox.writeAccounts(legacy)
    const result = await runCli(['get'], {input: 'atcr.io', env: sandbox.env})
    assert.equal(result.stdout, credentials('atcr.io', ALICE))
    assert.equal(readFileSync(`${sandbox.accountFile}.bak`, 'utf8'), legacy)
    assert.equal((sandbox.readAccounts() as {version: number}).version, 2)
    assert.equal(statSync(sandbox.accountFile).mode & 0o777, 0o600)
  })
})

describe('store', () => {
  it("saves a device secret as the handle's account, active when the registry had none", async () => {
    const sandbox = makeSandbox()
    try {
      const request = {
        ServerURL: 'https://atcr.io',
        Username: 'Alice.Bsky.Social',
        Secret: ALICE.device_secret,
      }
      const result = await runCli(['store'], {input: `${JSON.stringify(request)}\n`, env: sandbox.env})
      assert.deepEqual([result.stdout, result.stderr, result.code], ['', '', 0])
      assert.deepEqual(sandbox.readAccounts(), {
        version: 2,
        registries: {
          'https://atcr.io': {
            accounts: {
              'alice.bsky.social': {handle: 'alice.bsky.social', did: '', device_secret: ALICE.device_secret},
            },
            active: 'alice.bsky.social',
          },
        },
      })
      assert.equal(statSync(sandbox.configDir).mode & 0o777, 0o700)
      assert.equal(statSync(sandbox.accountFile).mode & 0o777, 0o600)

      // A second account is added but does not take over; re-storing replaces a secret.
      await runCli(['store'], {
        input: JSON.stringify({ServerURL: 'atcr.io', Username: BOB.handle, Secret: BOB.device_secret}),
        env: sandbox.env,
      })
      await runCli(['store'], {
        input: JSON.stringify({ServerURL: 'atcr.io', Username: BOB.handle, Secret: 'atcr_device_new'}),
        env: sandbox.env,
      })
      const registry = (sandbox.readAccounts() as ReturnType<typeof twoAccounts>).registries[
        'https://atcr.io'
      ]
      assert.equal(registry.active, 'alice.bsky.social')
      assert.equal(registry.accounts[BOB.handle as 'bob.example.com']!.device_secret, 'atcr_device_new')
    } finally {
      sandbox.cleanup()
    }
  })

  it('takes a handle written with a leading @ as the handle', async () => {
    const sandbox = makeSandbox()
    try {
      const input = JSON.stringify({ServerURL: 'atcr.io', Username: '@carol.test', Secret: 'atcr_device_c'})
      const result = await runCli(['store'], {input, env: sandbox.env})
      assert.deepEqual([result.stdout, result.code], ['', 0])
      const saved = sandbox.readAccounts() as {
        registries: Record<string, {active: string; accounts: Record<string, {handle: string}>}>
      }
      assert.deepEqual(Object.keys(saved.registries['https://atcr.io']!.accounts), ['carol.test'])
      assert.equal(saved.registries['https://atcr.io']!.accounts['carol.test']!.handle, 'carol.test')
    } finally {
      sandbox.cleanup()
    }
  })

  it('parses Go-escaped JSON (\\u003c) with a real parser', async () => {
    const sandbox = makeSandbox()
    try {
      const input =
        '{"ServerURL":"localhost:5000","Username":"carol.test","Secret":"atcr_device_\\u003cx\\u003e"}\n'
      const result = await runCli(['store'], {input, env: sandbox.env})
      assert.equal(result.code, 0)
      const saved = sandbox.readAccounts() as {
        registries: Record<string, {accounts: Record<string, {device_secret: string}>}>
      }
      assert.equal(
        saved.registries['http://localhost:5000']!.accounts['carol.test']!.device_secret,
        'atcr_device_<x>',
      )
    } finally {
      sandbox.cleanup()
    }
  })

  it('does not store app passwords or identity tokens: exit 1, saying how to log in on stdout (docker login shows it)', async () => {
    const sandbox = makeSandbox()
    try {
      for (const request of [
        {ServerURL: 'atcr.io', Username: 'alice.bsky.social', Secret: 'abcd-efgh-ijkl-mnop'},
        {ServerURL: 'atcr.io', Username: '<token>', Secret: 'eyJhbGciOi.refresh'},
      ]) {
        const result = await runCli(['store'], {input: JSON.stringify(request), env: sandbox.env})
        assert.equal(result.code, 1)
        assert.match(
          result.stdout,
          /^docker-credential-atcr: not saving this password for atcr\.io: .*Run "docker-credential-atcr login atcr\.io" instead\.\n$/,
        )
        assert.ok(!result.stdout.includes(request.Secret) && !result.stderr.includes(request.Secret))
      }
      assert.deepEqual(accountStateIn(sandbox.home), [])
    } finally {
      sandbox.cleanup()
    }
  })

  it('re-storing a secret we hold writes nothing', async () => {
    const sandbox = makeSandbox()
    try {
      sandbox.writeAccounts(twoAccounts(ALICE.handle))
      const before = readFileSync(sandbox.accountFile, 'utf8')
      const mtime = statSync(sandbox.accountFile).mtimeMs
      const result = await runCli(['store'], {
        input: JSON.stringify({ServerURL: 'atcr.io', Username: ALICE.handle, Secret: ALICE.device_secret}),
        env: sandbox.env,
      })
      assert.equal(result.code, 0)
      assert.equal(readFileSync(sandbox.accountFile, 'utf8'), before)
      assert.equal(statSync(sandbox.accountFile).mtimeMs, mtime)
      assert.deepEqual(readdirSync(sandbox.configDir), ['device.json'])
    } finally {
      sandbox.cleanup()
    }
  })

  it('never repeats a device secret typed as the user name', async () => {
    const sandbox = makeSandbox()
    try {
      const secret = 'atcr_device_pasted_in_the_wrong_field'
      for (const request of [
        {ServerURL: 'atcr.io', Username: secret, Secret: secret},
        {ServerURL: 'atcr.io', Username: ` ${secret.toUpperCase()}`, Secret: 'atcr_device_other'},
        {ServerURL: 'atcr.io', Username: `alice.bsky.social:${secret}`, Secret: 'atcr_device_other'},
      ]) {
        const result = await runCli(['store'], {input: JSON.stringify(request), env: sandbox.env})
        assert.equal(result.code, 1)
        assert.match(result.stdout, /^store: the user name must be the account's handle/)
        assert.doesNotMatch(result.stdout + result.stderr, /pasted_in_the_wrong_field/i)
      }
    } finally {
      sandbox.cleanup()
    }
  })

  it('never repeats the user info of a server address', async () => {
    const sandbox = makeSandbox()
    try {
      for (const serverUrl of [
        'https://alice:atcr_device_in_the_url_field@atcr.io',
        'https://alice:hunter2_in_the_url_field@atcr.io',
      ]) {
        const request = {ServerURL: serverUrl, Username: 'alice.bsky.social', Secret: 'atcr_device_ok'}
        const result = await runCli(['store'], {input: JSON.stringify(request), env: sandbox.env})
        assert.equal(result.code, 1)
        assert.match(
          result.stdout,
          /^invalid registry server address: "https:\/\/…@atcr\.io" contains a user name\n$/,
        )
        assert.doesNotMatch(result.stdout + result.stderr, /in_the_url_field/)
      }
    } finally {
      sandbox.cleanup()
    }
  })

  it("answers the protocol library's errors for missing fields and bad JSON", async () => {
    const sandbox = makeSandbox()
    try {
      const cases: Array<[string, string | RegExp]> = [
        [JSON.stringify({Username: 'a.b', Secret: 'atcr_device_x'}), 'no credentials server URL\n'],
        [JSON.stringify({ServerURL: 'atcr.io', Secret: 'atcr_device_x'}), 'no credentials username\n'],
        ['{"ServerURL": "atcr.io",', /^store: stdin is not valid JSON/],
        ['[1]', /^store: expected a JSON object/],
        [JSON.stringify({ServerURL: 5, Username: 'a.b', Secret: 'x'}), 'store: ServerURL must be a string\n'],
        ['', /^store: expected JSON/],
      ]
      for (const [input, expected] of cases) {
        const result = await runCli(['store'], {input, env: sandbox.env})
        if (typeof expected === 'string') assert.equal(result.stdout, expected, input)
        else assert.match(result.stdout, expected, input)
        assert.equal(result.code, 1, input)
      }
      assert.deepEqual(accountStateIn(sandbox.home), [])
    } finally {
      sandbox.cleanup()
    }
  })
})

describe('erase', () => {
  it('removes the active account only, promotes none, and succeeds twice', async () => {
    const sandbox = makeSandbox()
    try {
      sandbox.writeAccounts(twoAccounts(ALICE.handle))
      for (let call = 0; call < 2; call++) {
        const result = await runCli(['erase'], {input: 'atcr.io', env: sandbox.env})
        assert.deepEqual([result.stdout, result.code], ['', 0])
      }
      const registry = (sandbox.readAccounts() as ReturnType<typeof twoAccounts>).registries[
        'https://atcr.io'
      ]
      assert.deepEqual(Object.keys(registry.accounts), [BOB.handle])
      assert.equal(registry.active, undefined)
      const get = await runCli(['get'], {input: 'atcr.io', env: sandbox.env})
      assert.equal(get.stdout, credentials('atcr.io', BOB)) // the only account left
    } finally {
      sandbox.cleanup()
    }
  })

  it('succeeds with nothing to erase and creates nothing', async () => {
    const sandbox = makeSandbox()
    try {
      const result = await runCli(['erase'], {input: 'https://buoy.cr/', env: sandbox.env})
      assert.deepEqual([result.stdout, result.stderr, result.code], ['', '', 0])
      assert.deepEqual(accountStateIn(sandbox.home), [])
    } finally {
      sandbox.cleanup()
    }
  })

  it('drops a registry left without accounts', async () => {
    const sandbox = makeSandbox()
    try {
      sandbox.writeAccounts(twoAccounts(ALICE.handle))
      await runCli(['erase'], {input: 'localhost:5000', env: sandbox.env})
      assert.deepEqual(Object.keys((sandbox.readAccounts() as ReturnType<typeof twoAccounts>).registries), [
        'https://atcr.io',
      ])
    } finally {
      sandbox.cleanup()
    }
  })
})

describe('list', () => {
  it('maps each host as Docker keys it to the account get would answer with', async () => {
    const sandbox = makeSandbox()
    try {
      sandbox.writeAccounts({
        version: 2,
        registries: {
          'https://atcr.io': {active: BOB.handle, accounts: {[ALICE.handle]: ALICE, [BOB.handle]: BOB}},
          'http://localhost:5000': {accounts: {[CAROL.handle]: CAROL}},
          'https://buoy.cr': {accounts: {[ALICE.handle]: ALICE, [BOB.handle]: BOB}},
        },
      })
      const result = await runCli(['list'], {input: 'unused', env: sandbox.env})
      assert.equal(result.stdout, '{"atcr.io":"bob.example.com","localhost:5000":"carol.test"}\n')
      assert.equal(result.code, 0)
      const empty = makeSandbox()
      assert.equal((await runCli(['list'], {env: empty.env})).stdout, '{}\n')
      empty.cleanup()
    } finally {
      sandbox.cleanup()
    }
  })
})

describe('help for protocol verbs', () => {
  it('hides them from --help but answers get --help', async () => {
    const sandbox = makeSandbox()
    try {
      const root = await runCli(['--help'], {env: sandbox.env})
      for (const verb of ['get', 'store', 'erase', 'list'])
        assert.doesNotMatch(root.stdout, new RegExp(`^  ${verb} `, 'm'))
      const get = await runCli(['get', '--help'], {env: sandbox.env})
      assert.equal(get.code, 0)
      assert.match(get.stdout, /USAGE\s+\$ docker-credential-atcr get/)
    } finally {
      sandbox.cleanup()
    }
  })
})
