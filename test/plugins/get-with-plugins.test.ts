import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'

import type {RegistryEntry} from '../../src/lib/config/account-file.ts'
import {identityFromTrustedPlugins, type IdentityLookup} from '../../src/lib/plugins/get-with-plugins.ts'
import {hooksToTrust} from '../../src/lib/plugins/trusted-on-get.ts'

const entry: RegistryEntry = {
  accounts: {
    'alice.test': {handle: 'alice.test', did: 'did:plc:alice', device_secret: 'atcr_device_a'},
    'bob.test': {handle: 'bob.test', did: 'did:plc:bob', device_secret: 'atcr_device_b'},
  },
}

/** Trust needs real hook files inside the plugin's root, with their hash recorded (plugins trust does it). */
const pluginsDirectory = mkdtempSync(path.join(tmpdir(), 'atcr-get-plugins-'))
function trustedPlugin(name: string) {
  const root = path.join(pluginsDirectory, name)
  mkdirSync(root, {recursive: true})
  const file = path.join(root, `${name}.js`)
  writeFileSync(file, '// stands in for the module importModule returns\n')
  return {version: '1.0.0', root, hooks: hooksToTrust(root, [{file, export: 'default'}])}
}

function lookupWith(
  modules: Record<string, Record<string, unknown>>,
  overrides: Partial<IdentityLookup> = {},
) {
  const lines: string[] = []
  const lookup: IdentityLookup = {
    host: 'atcr.io',
    entry,
    ancestors: [
      {pid: 10, argv: ['example-client', 'push', '--example-account=bob.test']},
      {pid: 9, argv: ['bash']},
    ],
    trusted: {
      version: 1,
      plugins: Object.fromEntries(Object.keys(modules).map((name) => [name, trustedPlugin(name)])),
    },
    budgetMs: 200,
    explain: (line) => lines.push(line),
    installedVersion: () => '1.0.0',
    importModule: async (url) => {
      const name = url.slice(url.lastIndexOf('/') + 1, -'.js'.length)
      const module = modules[name]
      if (!module) throw new Error(`cannot find ${url}`)
      return module
    },
    ...overrides,
  }
  return {lookup, lines}
}

const readsFlag = ({argv}: {argv: readonly string[]}) =>
  argv.find((a) => a.startsWith('--example-account='))?.slice('--example-account='.length)

describe('identityFromTrustedPlugins', () => {
  it('takes the first known account a trusted hook names, nearest process first', async () => {
    const {lookup} = lookupWith({example: {default: readsFlag}})
    assert.deepEqual(await identityFromTrustedPlugins(lookup), {
      plugin: 'example',
      pid: 10,
      identity: 'bob.test',
      key: 'bob.test',
    })
  })

  it('skips a plugin whose installed version is not the trusted one, or that was trusted without one', async () => {
    const imported: string[] = []
    const {lookup, lines} = lookupWith(
      {updated: {default: readsFlag}},
      {
        installedVersion: (root) => (root.endsWith('/updated') ? '1.1.0' : '1.0.0'),
        importModule: async (url) => {
          imported.push(url)
          return {default: readsFlag}
        },
      },
    )
    assert.equal(await identityFromTrustedPlugins(lookup), undefined)
    assert.deepEqual(imported, [], 'the new version was never imported')
    assert.match(
      lines.join('\n'),
      /plugin updated: trusted at 1\.0\.0, installed 1\.1\.0; not run until "plugins trust updated" again/,
    )

    const unversioned = lookupWith({old: {default: readsFlag}})
    delete unversioned.lookup.trusted.plugins.old!.version
    assert.equal(await identityFromTrustedPlugins(unversioned.lookup), undefined)
  })

  it('matches a DID to its account', async () => {
    const {lookup} = lookupWith({did: {default: () => 'did:plc:alice'}})
    assert.equal((await identityFromTrustedPlugins(lookup))?.key, 'alice.test')
  })

  it('ignores unknown identities, odd answers, throwing hooks and missing modules', async () => {
    const {lookup, lines} = lookupWith({
      unknown: {default: () => 'carol.test'},
      odd: {default: () => 42},
      throws: {
        default: () => {
          throw new Error('boom')
        },
      },
      noFunction: {default: 'not a function'},
    })
    lookup.trusted.plugins.gone = {
      version: '1.0.0',
      root: '/plugins/gone',
      hooks: [{file: '/plugins/gone.js', export: 'default'}],
    }
    assert.equal(await identityFromTrustedPlugins(lookup), undefined)
    const text = lines.join('\n')
    assert.match(text, /carol.test, not an account of atcr.io/)
    assert.match(text, /not a handle or DID/)
    assert.match(text, /identityFromCommandLine failed \(boom\)/)
    assert.match(text, /no function export/)
    assert.match(text, /plugin gone: \/plugins\/gone.js does not resolve inside the plugin's root/)
  })

  it('answers without the plugins when they exceed the budget', {timeout: 10_000}, async () => {
    const {lookup, lines} = lookupWith({hangs: {default: () => new Promise(() => {})}}, {budgetMs: 50})
    assert.equal(await identityFromTrustedPlugins(lookup), undefined) // the test's timeout catches a hang
    assert.match(lines.join('\n'), /did not answer within 50 ms/)
  })

  it('passes the hook a frozen copy of argv and the host, without oclif', async () => {
    let seen: unknown
    const {lookup} = lookupWith({spy: {default: (options: unknown) => void (seen = options)}})
    await identityFromTrustedPlugins(lookup)
    const options = seen as {argv: string[]; host: string; config: unknown}
    assert.equal(options.host, 'atcr.io')
    assert.equal(options.config, undefined)
    assert.ok(Object.isFrozen(options.argv))
  })
})

describe('resolveWithTrustedPlugins', () => {
  it('reads the request once: each ancestor once, for the built-in rules and the hooks together', async () => {
    const {mkdtempSync, mkdirSync, rmSync, writeFileSync} = await import('node:fs')
    const {tmpdir} = await import('node:os')
    const path = await import('node:path')
    const {accountFilePaths} = await import('../../src/lib/config/account-store.ts')
    const {getCredentials} = await import('../../src/lib/protocol/verbs.ts')
    const {resolveWithTrustedPlugins} = await import('../../src/lib/plugins/get-with-plugins.ts')

    const root = mkdtempSync(path.join(tmpdir(), 'atcr-plugins-once-'))
    try {
      const paths = accountFilePaths({ATCR_CONFIG_DIR: path.join(root, 'config')}, root)
      mkdirSync(paths.directory, {mode: 0o700})
      writeFileSync(paths.file, JSON.stringify({version: 2, registries: {'https://atcr.io': entry}}), {
        mode: 0o600,
      })
      const plugin = path.join(root, 'plugin')
      mkdirSync(plugin)
      writeFileSync(path.join(plugin, 'package.json'), '{"name": "example", "version": "1.0.0"}')
      writeFileSync(
        path.join(plugin, 'identity.mjs'),
        "export default ({argv}) => argv.find((a) => a.startsWith('--example-account='))?.slice(18)\n",
      )
      writeFileSync(
        path.join(paths.directory, 'plugins-on-get.json'),
        JSON.stringify({
          version: 1,
          plugins: {
            example: {
              version: '1.0.0',
              root: plugin,
              hooks: hooksToTrust(plugin, [{file: path.join(plugin, 'identity.mjs'), export: 'default'}]),
            },
          },
        }),
        {mode: 0o600},
      )
      const reads: number[] = []
      const processes: Record<number, {pid: number; argv: string[]; parentPid: number}> = {
        10: {pid: 10, argv: ['bash', '-c', 'example-client'], parentPid: 9},
        9: {pid: 9, argv: ['example-client', 'push', '--example-account=bob.test'], parentPid: 1},
      }
      const lines: string[] = []
      const context = {
        paths,
        env: {},
        parentPid: 10,
        processTable: {
          read: (pid: number) => {
            reads.push(pid)
            return processes[pid]
          },
        },
        insecureRegistries: () => [],
        note: () => {},
        explain: (line: string) => lines.push(line),
      }
      const result = await getCredentials(
        'atcr.io',
        {...context, env: {ATCR_SESSION_CHECK: '0'}},
        resolveWithTrustedPlugins,
      )
      assert.equal(
        result.stdout,
        `${JSON.stringify({ServerURL: 'atcr.io', Username: 'bob.test', Secret: 'atcr_device_b'})}\n`,
      )
      assert.deepEqual(reads, [10, 9], 'each ancestor read once')
      assert.match(
        lines.join('\n'),
        /atcr\.io → bob\.test \(rule: plugin example; it read bob\.test from process 9/,
      )
    } finally {
      rmSync(root, {recursive: true, force: true})
    }
  })
})
