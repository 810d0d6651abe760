/**
 * The example plugin (test/fixtures/example-plugin) linked into the real CLI in a throw-away home:
 * each hook of the contract changes what it promises, plugins cannot replace core commands, and
 * third-party code runs on `get` only after `plugins trust`.
 */
import assert from 'node:assert/strict'
import {cpSync, existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {SESSION_CACHE_FILE} from '../../src/lib/session-check/session-cache.ts'
import {startAppViewEmulator} from '../support/appview-emulator.ts'
import {makeSandbox, REPO, runCli, runVerbUnderClient, type Sandbox} from '../support/cli.ts'

const EXAMPLE_PLUGIN = path.join(REPO, 'test', 'fixtures', 'example-plugin')
const TWO_ACCOUNTS = {
  version: 2,
  registries: {
    'https://atcr.io': {
      accounts: {
        'alice.test': {handle: 'alice.test', did: 'did:plc:alice', device_secret: 'atcr_device_alice'},
        'bob.test': {handle: 'bob.test', did: 'did:plc:bob', device_secret: 'atcr_device_bob'},
      },
    },
  },
}

/** A sandbox with two accounts on atcr.io, where plugins install into its own data directory. */
function pluginSandboxEnv(sandbox: Sandbox): NodeJS.ProcessEnv {
  sandbox.writeAccounts(TWO_ACCOUNTS)
  return {
    ...sandbox.env,
    XDG_DATA_HOME: path.join(sandbox.home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(sandbox.home, '.cache'),
    ATCR_NO_UPDATE_NOTIFIER: '1',
    OCLIF_DISABLE_LINKED_ESM_WARNING: '1',
  }
}

describe('example plugin, linked', {timeout: 120_000}, () => {
  let sandbox: Sandbox
  let env: NodeJS.ProcessEnv
  const cli = (args: string[], input?: string) => runCli(args, {env, input, timeoutMs: 60_000})
  const getUnder = (clientArgv: string[]) => runVerbUnderClient(clientArgv, 'get', {input: 'atcr.io', env})
  const client = ['example-client', 'push', '--example-account=bob.test', 'example.cr/app:1']

  before(async () => {
    sandbox = makeSandbox()
    env = pluginSandboxEnv(sandbox)
    const linked = await cli(['plugins', 'link', '--no-install', '--trust', EXAMPLE_PLUGIN])
    assert.equal(linked.code, 0, linked.stderr)
  })
  after(() => sandbox.cleanup())

  it('is linked into the sandbox, and its own command runs', async () => {
    assert.ok(existsSync(path.join(env.XDG_DATA_HOME!, 'atcr', 'package.json')))
    const listed = await cli(['plugins'])
    assert.match(listed.stdout, /atcr-plugin-example 1\.0\.0 \(link\)/)
    const example = await cli(['example'])
    assert.equal(example.stdout, 'hello from atcr-plugin-example\n')
  })

  it('registries hook: its registry and AppView URL reach people commands', async () => {
    const result = await cli(['plugins', 'registries', '--json'])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), [
      {
        host: 'example.cr',
        appViewUrl: 'https://appview.example.net',
        plugin: 'atcr-plugin-example',
        description: 'Example Registry Co.',
      },
    ])
    const human = await cli(['plugins', 'registries'])
    assert.match(
      human.stdout,
      /^example\.cr {2}https:\/\/appview\.example\.net {2}\(from atcr-plugin-example/m,
    )
  })

  it('registries hook: login, get, status and logout use the contributed AppView of example.cr', async () => {
    const emulator = await startAppViewEmulator()
    try {
      const pluginEnv = {...env, EXAMPLE_PLUGIN_APPVIEW_URL: emulator.url}
      const secret = emulator.addAccount({handle: 'carol.test', did: 'did:plc:carol'})
      const login = await runCli(
        ['login', 'example.cr', '--with-token', '--account', 'carol.test', '--json'],
        {
          env: pluginEnv,
          input: `${secret}\n`,
          timeoutMs: 60_000,
        },
      )
      assert.equal(login.code, 0, login.stderr)
      assert.deepEqual(JSON.parse(login.stdout), {
        registry: 'example.cr',
        handle: 'carol.test',
        did: 'did:plc:carol',
        replaced: false,
      })
      // Keyed by the registry Docker names, the AppView kept on the account for `get`, which runs no plugin.
      const saved = sandbox.readAccounts() as {
        registries: Record<string, {active?: string; accounts: object}>
      }
      assert.deepEqual(saved.registries['https://example.cr'], {
        active: 'carol.test',
        accounts: {
          'carol.test': {
            handle: 'carol.test',
            did: 'did:plc:carol',
            device_secret: secret,
            appview_url: emulator.url,
          },
        },
      })

      // login recorded its own check in the session cache; start cold so that get has to ask.
      rmSync(path.join(sandbox.configDir, SESSION_CACHE_FILE), {force: true})
      const checksBefore = emulator.requests.filter((request) => request.method === 'GET').length
      const get = await runVerbUnderClient(['docker', 'pull', 'example.cr/carol.test/app'], 'get', {
        input: 'example.cr',
        env: {...env, ATCR_SESSION_CHECK: '1'},
      })
      assert.equal(get.code, 0, get.stdout)
      assert.deepEqual(JSON.parse(get.stdout), {
        ServerURL: 'example.cr',
        Username: 'carol.test',
        Secret: secret,
      })
      assert.ok(
        emulator.requests.filter((request) => request.method === 'GET').length > checksBefore,
        'get checked the secret with the contributed AppView',
      )

      const status = await runCli(['status', 'example.cr', '--json'], {env: pluginEnv, timeoutMs: 60_000})
      assert.equal(status.code, 0, status.stderr)
      assert.match(status.stdout, /"state":\s*"valid"/)

      const logout = await runCli(['logout', 'example.cr', '--yes', '--json'], {
        env: pluginEnv,
        timeoutMs: 60_000,
      })
      assert.equal(logout.code, 0, logout.stderr)
      assert.equal(JSON.parse(logout.stdout).revoked, true)
      assert.ok(
        emulator.requests.some((request) => request.method === 'DELETE'),
        'revoked on the emulator',
      )
    } finally {
      await emulator.close()
    }
  })

  it('cannot replace core commands', async () => {
    const update = await cli(['update'])
    assert.equal(update.code, 0)
    assert.doesNotMatch(update.stdout + update.stderr, /HIJACKED/)
    assert.match(update.stderr, /cannot replace itself/)
    const getHelp = await cli(['get', '--help'])
    assert.doesNotMatch(getHelp.stdout, /HIJACKED/)
    assert.match(getHelp.stdout, /Docker protocol/)
    const get = await cli(['get'], 'atcr.io')
    assert.doesNotMatch(get.stdout, /HIJACKED/)
  })

  it('identityFromCommandLine hook: does not run on get until trusted, then names the account', async () => {
    const untrusted = await getUnder(client)
    assert.equal(untrusted.code, 1)
    assert.match(untrusted.stdout, /Multiple accounts for atcr\.io/)

    const trust = await cli(['plugins', 'trust', 'atcr-plugin-example', '--json'])
    assert.equal(trust.code, 0, trust.stderr)
    assert.equal(JSON.parse(trust.stdout).plugin, 'atcr-plugin-example')
    assert.ok(existsSync(path.join(sandbox.configDir, 'plugins-on-get.json')))

    const trusted = await getUnder(client)
    assert.equal(trusted.code, 0, trusted.stdout)
    assert.deepEqual(JSON.parse(trusted.stdout), {
      ServerURL: 'atcr.io',
      Username: 'bob.test',
      Secret: 'atcr_device_bob',
    })

    // ATCR_DEBUG names the plugin as the rule that chose; the person set no ATCR_ACCOUNT.
    const debug = await runVerbUnderClient(client, 'get', {input: 'atcr.io', env: {...env, ATCR_DEBUG: '1'}})
    assert.equal(debug.stdout, trusted.stdout)
    assert.match(debug.stderr, /atcr\.io → bob\.test \(rule: plugin atcr-plugin-example; /)
    assert.doesNotMatch(debug.stderr, /ATCR_ACCOUNT/)

    // The built-in rules still come first: ATCR_ACCOUNT, and an image reference naming a known account.
    const explicit = await runVerbUnderClient(client, 'get', {
      input: 'atcr.io',
      env: {...env, ATCR_ACCOUNT: 'alice.test'},
    })
    assert.equal(JSON.parse(explicit.stdout).Username, 'alice.test')
    const named = await getUnder(['docker', 'push', '--example-account=bob.test', 'atcr.io/alice.test/app:1'])
    assert.equal(JSON.parse(named.stdout).Username, 'alice.test')

    // An identity that is not an account of the registry changes nothing.
    const unknown = await getUnder(['example-client', 'push', '--example-account=carol.test'])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stdout, /Multiple accounts for atcr\.io/)

    const untrust = await cli(['plugins', 'untrust', 'atcr-plugin-example'])
    assert.equal(untrust.code, 0, untrust.stderr)
    assert.equal(existsSync(path.join(sandbox.configDir, 'plugins-on-get.json')), false)
    const again = await getUnder(client)
    assert.equal(again.code, 1)
  })

  it('refuses to install a third-party plugin without a terminal, naming --trust', async () => {
    for (const name of ['@someone/atcr-plugin-shiny', 'https://github.com/someone/atcr-plugin-shiny']) {
      const result = await cli(['plugins', 'install', name])
      assert.equal(result.code, 2, result.stderr)
      assert.match(result.stderr, /registry device secrets/)
      assert.match(result.stderr.replaceAll(/\s*›\s*/g, ' '), /--trust/)
    }
    const listed = await cli(['plugins'])
    assert.doesNotMatch(listed.stdout, /shiny/)
    // The helper's own `plugins install` (with --trust) wins over @oclif/plugin-plugins' command of the same id.
    const help = await cli(['plugins', 'install', '--help'])
    assert.match(help.stdout, /--trust/)
  })
})

describe('example plugin, uninstalled after it was trusted', {timeout: 120_000}, () => {
  let sandbox: Sandbox
  let env: NodeJS.ProcessEnv
  const cli = (args: string[]) => runCli(args, {env, timeoutMs: 60_000})
  const trustFile = () => path.join(sandbox.configDir, 'plugins-on-get.json')

  before(() => {
    sandbox = makeSandbox()
    env = pluginSandboxEnv(sandbox)
  })
  after(() => sandbox.cleanup())

  // Otherwise every later get keeps importing the plugin's files, and whatever is at that path later runs untrusted.
  for (const remove of [
    ['plugins', 'uninstall'],
    ['plugins', 'unlink'],
    ['plugins', 'reset'],
  ]) {
    it(`${remove.join(' ')} takes its trust on get away too`, async () => {
      const linked = await cli(['plugins', 'link', '--no-install', '--trust', EXAMPLE_PLUGIN])
      assert.equal(linked.code, 0, linked.stderr)
      const trust = await cli(['plugins', 'trust', 'atcr-plugin-example'])
      assert.equal(trust.code, 0, trust.stderr)
      assert.ok(existsSync(trustFile()))

      const removed = await cli(remove[1] === 'reset' ? remove : [...remove, 'atcr-plugin-example'])
      assert.equal(removed.code, 0, removed.stderr)
      assert.doesNotMatch((await cli(['plugins'])).stdout, /atcr-plugin-example/)
      assert.equal(existsSync(trustFile()), false, 'plugins-on-get.json still trusts the removed plugin')
      assert.match(removed.stderr, /atcr-plugin-example no longer runs on get/)
    })
  }
})

describe('example plugin, updated after it was trusted', {timeout: 120_000}, () => {
  let sandbox: Sandbox
  let env: NodeJS.ProcessEnv
  let copy: string
  const cli = (args: string[]) => runCli(args, {env, timeoutMs: 60_000})
  const getUnder = (extraEnv: NodeJS.ProcessEnv = {}) =>
    runVerbUnderClient(['example-client', 'push', '--example-account=bob.test'], 'get', {
      input: 'atcr.io',
      env: {...env, ...extraEnv},
    })

  before(() => {
    sandbox = makeSandbox()
    env = pluginSandboxEnv(sandbox)
    // A copy, so that the test can change its version as an update would.
    copy = path.join(sandbox.root, 'example-plugin')
    cpSync(EXAMPLE_PLUGIN, copy, {recursive: true})
  })
  after(() => sandbox.cleanup())

  it('get skips a trusted plugin once its version changes, until it is trusted again', async () => {
    assert.equal((await cli(['plugins', 'link', '--no-install', '--trust', copy])).code, 0)
    assert.equal((await cli(['plugins', 'trust', 'atcr-plugin-example'])).code, 0)
    assert.equal(JSON.parse((await getUnder()).stdout).Username, 'bob.test')

    const manifest = path.join(copy, 'package.json')
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8').replace('"version": "1.0.0"', '"version": "1.1.0"'),
    )
    const skipped = await getUnder({ATCR_DEBUG: '1'})
    assert.equal(skipped.code, 1, 'without the plugin, two accounts and nothing to choose by')
    assert.match(skipped.stdout, /Multiple accounts for atcr\.io/)
    assert.match(
      skipped.stderr,
      /trusted at 1\.0\.0, installed 1\.1\.0; not run until "plugins trust atcr-plugin-example"/,
    )

    const relinked = await cli(['plugins', 'link', '--no-install', '--trust', copy])
    assert.equal(relinked.code, 0, relinked.stderr)
    assert.match(
      relinked.stderr,
      /atcr-plugin-example is now 1\.1\.0 \(trusted at 1\.0\.0\): it no longer runs on get/,
    )

    assert.equal((await cli(['plugins', 'trust', 'atcr-plugin-example'])).code, 0)
    assert.equal(JSON.parse((await getUnder()).stdout).Username, 'bob.test')
  })
})
