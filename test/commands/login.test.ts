/** `login` spawned as a real process against the AppView emulator (run `npm run build` first). */
import assert from 'node:assert/strict'
import type {ChildProcess} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterEach, beforeEach, describe, it} from 'node:test'

import {
  accountFileFor,
  makeSandbox,
  runCli,
  type Sandbox,
  useEmulator,
  userCodeIn,
} from '../appview/cli-harness.ts'
import {startAppViewEmulator} from '../support/appview-emulator.ts'
import {cannotMountReason, readOnlyConfigDirectory} from '../support/tmpfs.ts'
import {runInProcess} from '../support/in-process-cli.ts'

const alice = {handle: 'alice.test', did: 'did:plc:alice'}

describe('login', {timeout: 120_000}, () => {
  let sandbox: Sandbox
  const emulator = useEmulator({interval: 0.2})
  beforeEach(() => {
    sandbox = makeSandbox()
  })
  afterEach(() => sandbox.cleanup())

  /** Run login and act on the code once it is shown. */
  const loginActing = (act: (code: string) => void, args: string[] = []) =>
    runInProcess(['login', emulator.host, '--no-browser', ...args], {
      env: sandbox.env,
      onStderrLine: (line) => {
        const code = userCodeIn(line)
        if (code) act(code)
      },
    })

  it('shows the code, waits for approval, saves the account as active and says so', async () => {
    const result = await loginActing((code) => setTimeout(() => emulator.approve(code, alice), 500))
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /First copy your one-time code: [A-Z]{4}-[A-Z]{4}/)
    assert.match(result.stderr, new RegExp(`open ${emulator.url}/device in a browser`))
    assert.match(
      result.stderr,
      new RegExp(`Logged in to ${emulator.host} as alice\\.test, now its active account\\.\\n`),
    )
    assert.equal(result.stdout, '')
    const saved = sandbox.readAccounts().registries[emulator.url]!
    assert.equal(saved.active, 'alice.test')
    assert.equal(saved.accounts['alice.test']!.did, alice.did)
    assert.match(saved.accounts['alice.test']!.device_secret!, /^atcr_device_/)
    assert.equal(emulator.earlyPolls, 0)
  })

  it('prints the documented --json shape without the secret', async () => {
    emulator.approveNext(alice)
    const result = await runInProcess(['login', emulator.host, '--no-browser', '--json'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), {
      registry: emulator.host,
      handle: 'alice.test',
      did: alice.did,
      replaced: false,
    })
    assert.doesNotMatch(result.stdout + result.stderr, /atcr_device_/)
  })

  it('stops with a clear message when the code is declined, saving nothing', async () => {
    const result = await loginActing((code) => emulator.deny(code))
    assert.equal(result.code, 1)
    assert.match(result.stderr, /declined.*Nothing was saved.*login 127\.0\.0\.1:\d+/s)
    assert.throws(() => sandbox.readAccounts(), /ENOENT/)
  })

  it('stops with a clear message when the code expires, saving nothing', async () => {
    const result = await loginActing((code) => emulator.expireCode(code))
    assert.equal(result.code, 1)
    assert.match(result.stderr, /expired before it was approved.*Start again/s)
    assert.throws(() => sandbox.readAccounts(), /ENOENT/)
  })

  it('Ctrl-C while waiting leaves nothing saved', async () => {
    let child: ChildProcess | undefined
    const result = await runCli(['login', emulator.host, '--no-browser'], {
      env: sandbox.env,
      onSpawn: (spawned) => (child = spawned),
      onStderrLine: (line) => {
        if (userCodeIn(line)) setTimeout(() => child!.kill('SIGINT'), 300)
      },
    })
    assert.equal(result.code, 130)
    assert.match(result.stderr, /Login cancelled; nothing was saved/)
    assert.throws(() => sandbox.readAccounts(), /ENOENT/)
  })

  // The 5 s longer wait itself is checked on a virtual clock (test/appview/device-login.test.ts); here,
  // that the person is told, and Ctrl-C during the longer wait.
  it('says when the registry asks to poll less often (slow_down)', async () => {
    emulator.injectFault({path: '/auth/device/token', kind: 'slow_down'})
    let child: ChildProcess | undefined
    const result = await runCli(['login', emulator.host, '--no-browser'], {
      env: sandbox.env,
      onSpawn: (spawned) => (child = spawned),
      onStderrLine: (line) => {
        if (/poll less often/.test(line)) child!.kill('SIGINT')
      },
    })
    assert.match(result.stderr, /the registry asked to poll less often: every 5\.2s now/)
    assert.equal(result.code, 130)
  })

  it('rides out a few 5xx answers while polling', async () => {
    emulator.injectFault({path: '/auth/device/token', kind: '5xx', count: 2})
    const result = await loginActing((code) => emulator.approve(code, alice))
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /retrying in/)
  })

  it('says what to do when the AppView is down', async () => {
    const server = http.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as AddressInfo
    await new Promise((resolve) => server.close(resolve))
    const result = await runInProcess(['login', `127.0.0.1:${port}`, '--no-browser'], {env: sandbox.env})
    assert.equal(result.code, 1)
    assert.match(result.stderr, /cannot reach the AppView at http:\/\/127\.0\.0\.1:\d+: connection refused/)
    assert.match(result.stderr, /Check the registry name/)
  })

  it('asks before replacing a saved login: fails naming --yes without a terminal; --yes replaces', async () => {
    emulator.approveNext(alice)
    assert.equal((await runInProcess(['login', emulator.host, '--no-browser'], {env: sandbox.env})).code, 0)
    const first = sandbox.readAccounts().registries[emulator.url]!.accounts['alice.test']!.device_secret!

    emulator.approveNext(alice)
    const refused = await runInProcess(['login', emulator.host, '--no-browser'], {env: sandbox.env})
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /alice\.test is already logged in.*Pass --yes/s)
    assert.equal(
      sandbox.readAccounts().registries[emulator.url]!.accounts['alice.test']!.device_secret,
      first,
    )

    emulator.approveNext(alice)
    const replaced = await runInProcess(['login', emulator.host, '--no-browser', '--yes'], {env: sandbox.env})
    assert.equal(replaced.code, 0, replaced.stderr)
    const second = sandbox.readAccounts().registries[emulator.url]!.accounts['alice.test']!.device_secret!
    assert.notEqual(second, first)
    // The replaced secret was retired on the AppView.
    const check = await fetch(`${emulator.url}/auth/token?service=x`, {
      headers: {authorization: `Basic ${Buffer.from(`alice.test:${first}`).toString('base64')}`},
    })
    assert.equal(check.status, 401)
  })

  it('--with-token checks a piped secret and saves it with the DID from the token', async () => {
    const secret = emulator.addAccount(alice)
    const result = await runInProcess(
      ['login', emulator.host, '--with-token', '--account', 'alice.test', '--json'],
      {
        env: sandbox.env,
        stdin: `${secret}\n`,
      },
    )
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), {
      registry: emulator.host,
      handle: 'alice.test',
      did: alice.did,
      replaced: false,
    })
    assert.equal(
      sandbox.readAccounts().registries[emulator.url]!.accounts['alice.test']!.device_secret,
      secret,
    )
  })

  it('--with-token without --yes over a saved login keeps the piped secret valid, so --yes then works', async () => {
    const saved = emulator.addAccount(alice)
    const piped = emulator.addAccount(alice)
    const withToken = (args: string[]) =>
      runInProcess(['login', emulator.host, '--with-token', '--account', 'alice.test', ...args], {
        env: sandbox.env,
        stdin: piped,
      })
    sandbox.writeAccounts(accountFileFor(emulator.url, [{...alice, device_secret: saved}]))

    const refused = await withToken([])
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /alice\.test is already logged in.*Pass --yes/s)
    // The person's own secret (say, a CI secret) is not this command's to revoke.
    assert.equal(emulator.requests.filter((request) => request.method === 'DELETE').length, 0)

    const replaced = await withToken(['--yes'])
    assert.equal(replaced.code, 0, replaced.stderr)
    assert.equal(
      sandbox.readAccounts().registries[emulator.url]!.accounts['alice.test']!.device_secret,
      piped,
    )
  })

  it('a save that fails after approval retires the secret it was issued, and keeps the file', async () => {
    const broken = '{"broken": '
    const result = await loginActing((code) => {
      // The file breaks while the person approves (another tool, a bad edit): the save must fail.
      sandbox.writeAccounts(broken)
      emulator.approve(code, alice)
    })
    assert.equal(result.code, 1, `${result.stderr}\n${readFileSync(sandbox.accountFile, 'utf8')}`)
    assert.match(result.stderr, /Cannot use the account file/)
    assert.equal(emulator.requests.filter((request) => request.method === 'DELETE').length, 1)
    assert.equal(readFileSync(sandbox.accountFile, 'utf8'), broken)
  })

  it('an account file it cannot use stops login before the device flow starts', async () => {
    sandbox.writeAccounts('{"not": "an account file"}')
    emulator.approveNext(alice)
    for (const args of [['--no-browser'], ['--with-token', '--account', 'alice.test']]) {
      const result = await runInProcess(['login', emulator.host, ...args], {
        env: sandbox.env,
        stdin: emulator.addAccount(alice),
      })
      assert.equal(result.code, 1)
      assert.match(result.stderr, /Cannot use the account file .*device\.json: not an ATCR account file/)
      assert.doesNotMatch(result.stderr, /one-time code/)
    }
    // No code was asked for and no secret checked: nobody was sent to approve a login that cannot be saved.
    assert.deepEqual(emulator.requests, [])
  })

  it('--with-token refuses an unknown secret, and needs --account', async () => {
    const refused = await runInProcess(['login', emulator.host, '--with-token', '--account', 'alice.test'], {
      env: sandbox.env,
      stdin: 'atcr_device_unknown',
    })
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /does not accept this device secret.*Nothing was saved/s)
    assert.doesNotMatch(refused.stderr, /atcr_device_unknown/)
    assert.throws(() => sandbox.readAccounts(), /ENOENT/)

    const noAccount = await runInProcess(['login', emulator.host, '--with-token'], {
      env: sandbox.env,
      stdin: 'atcr_device_x',
    })
    assert.equal(noAccount.code, 2)
    assert.match(noAccount.stderr, /--account/)
  })
})

// A fresh emulator: approvals queued (and never collected) by the tests above must not leak in here.
describe('login: identities, revocation and the account file checked first', {timeout: 120_000}, () => {
  let sandbox: Sandbox
  const emulator = useEmulator({interval: 0.2})
  beforeEach(() => {
    sandbox = makeSandbox()
  })
  afterEach(() => sandbox.cleanup())

  it('says which account is now active and which was before', async () => {
    const bob = {
      handle: 'bob.test',
      did: 'did:plc:bob',
      device_secret: emulator.addAccount({handle: 'bob.test', did: 'did:plc:bob'}),
    }
    sandbox.writeAccounts(accountFileFor(emulator.url, [bob]))
    emulator.approveNext(alice)
    const result = await runInProcess(['login', emulator.host, '--no-browser'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.match(
      result.stderr,
      /^Logged in to 127\.0\.0\.1:\d+ as alice\.test, now its active account \(before: bob\.test\)\.$/m,
    )
    assert.equal(sandbox.readAccounts().registries[emulator.url]!.active, 'alice.test')
  })

  it(
    'a read-only config directory stops login before a code is shown or a secret issued',
    {skip: cannotMountReason ?? false},
    async () => {
      const readOnly = readOnlyConfigDirectory(sandbox.root)
      try {
        const bob = {handle: 'bob.test', did: 'did:plc:bob', device_secret: 'atcr_device_bob'}
        writeFileSync(
          `${readOnly.directory}/device.json`,
          JSON.stringify(accountFileFor(emulator.url, [bob])),
          {mode: 0o600},
        )
        readOnly.lock()
        // No approval is queued: a login that reached the AppView would wait (and time out) here.
        const env = {...sandbox.env, ATCR_CONFIG_DIR: readOnly.directory}
        for (const args of [['--no-browser'], ['--with-token', '--account', 'alice.test']]) {
          const result = await runInProcess(['login', emulator.host, ...args], {
            env,
            stdin: emulator.addAccount(alice),
            timeoutMs: 15_000,
          })
          assert.equal(result.code, 1, result.stderr)
          assert.match(result.stderr, /read-only/)
          assert.doesNotMatch(result.stderr, /one-time code/)
        }
        assert.deepEqual(emulator.requests, [], 'the AppView was asked although nothing could be saved')
      } finally {
        readOnly.cleanup()
      }
    },
  )

  for (const [what, returned] of [
    ['a handle of __proto__', {handle: '__proto__', did: 'did:plc:proto'}],
    ['a handle that is not a domain name', {handle: 'evil/../x', did: 'did:plc:x'}],
    ['a DID that is not a DID', {handle: 'mallory.test', did: 'not-a-did'}],
  ] as const) {
    it(`an AppView that returns ${what}: refused, nothing saved, the issued secret revoked`, async () => {
      const bob = {
        handle: 'bob.test',
        did: 'did:plc:bob',
        device_secret: emulator.addAccount({handle: 'bob.test', did: 'did:plc:bob'}),
      }
      sandbox.writeAccounts(accountFileFor(emulator.url, [bob]))
      const before = readFileSync(sandbox.accountFile, 'utf8')
      emulator.approveNext(returned)
      const result = await runInProcess(['login', emulator.host, '--no-browser'], {env: sandbox.env})
      assert.equal(result.code, 1, result.stderr)
      assert.doesNotMatch(result.stderr, /Logged in/)
      assert.match(result.stderr, /Nothing was saved/)
      assert.equal(readFileSync(sandbox.accountFile, 'utf8'), before)
      assert.equal(
        emulator.requests.filter((request) => request.method === 'DELETE').length,
        1,
        'the secret this login was issued was not revoked',
      )
    })
  }

  it('--with-token refuses an --account that is not a handle, before asking the AppView', async () => {
    for (const account of ['__proto__', 'constructor/x', 'a b']) {
      const result = await runInProcess(['login', emulator.host, '--with-token', '--account', account], {
        env: sandbox.env,
        stdin: emulator.addAccount(alice),
      })
      assert.equal(result.code, 2, result.stderr)
      assert.match(result.stderr, /--account/)
    }
    assert.deepEqual(emulator.requests, [])
    assert.throws(() => sandbox.readAccounts(), /ENOENT/)
  })

  it("revokes a replaced account's secret at that account's own AppView, not the new one", async () => {
    const own = await startAppViewEmulator()
    try {
      const old = own.addAccount(alice)
      sandbox.writeAccounts({
        version: 2,
        registries: {
          [emulator.url]: {
            active: alice.handle,
            accounts: {[alice.handle]: {...alice, device_secret: old, appview_url: own.url}},
          },
        },
      })
      emulator.approveNext(alice)
      const result = await runInProcess(['login', emulator.host, '--no-browser', '--yes'], {env: sandbox.env})
      assert.equal(result.code, 0, result.stderr)
      assert.deepEqual(
        own.requests.filter((request) => request.method === 'DELETE').map((request) => request.path),
        ['/auth/device'],
      )
      assert.deepEqual(
        emulator.requests.filter((request) => request.method === 'DELETE'),
        [],
        'the old secret was sent to the new AppView',
      )
      const check = await fetch(`${own.url}/auth/token?service=x`, {
        headers: {authorization: `Basic ${Buffer.from(`alice.test:${old}`).toString('base64')}`},
      })
      assert.equal(check.status, 401)
    } finally {
      await own.close()
    }
  })
})
