/**
 * The plugins commands as a person meets them (issue 18): `plugins link` asks consent like `install`; a
 * linked plain-JS plugin adds no oclif warning to every command; `plugins install ./x.tgz` is a local
 * path, not a GitHub URL; `plugins` shows each plugin's trust state, also as a short typed --json list;
 * a plugin command's error keeps its suggestions. Spawns the built CLI (`npm run build` first): oclif
 * prints some warnings once per process.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {cpSync, mkdirSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {CLI, type CliResult, makeSandbox, REPO, runCli, type Sandbox} from '../support/cli.ts'

const EXAMPLE_PLUGIN = path.join(REPO, 'test', 'fixtures', 'example-plugin')
const NAME = 'atcr-plugin-example'

function pluginEnv(sandbox: Sandbox): NodeJS.ProcessEnv {
  sandbox.writeAccounts({version: 2, registries: {}})
  // Not OCLIF_DISABLE_LINKED_ESM_WARNING: what a person sees is the point here.
  return {
    ...sandbox.env,
    XDG_DATA_HOME: path.join(sandbox.home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(sandbox.home, '.cache'),
  }
}

describe('plugins link asks consent like install', {timeout: 60_000}, () => {
  let sandbox: Sandbox
  let env: NodeJS.ProcessEnv
  before(() => {
    sandbox = makeSandbox()
    env = pluginEnv(sandbox)
  })
  after(() => sandbox.cleanup())

  it('without a terminal: refused, naming --trust, and nothing is linked', async () => {
    const result = await runCli(['plugins', 'link', '--no-install', EXAMPLE_PLUGIN], {env})
    assert.equal(result.code, 2, result.stderr)
    assert.match(result.stderr, /with access to your registry device secrets/)
    assert.match(
      result.stderr,
      /no terminal to ask\. If you trust it, run: docker-credential-atcr plugins link .* --trust/,
    )
    const listed = await runCli(['plugins', '--json'], {env})
    assert.deepEqual(JSON.parse(listed.stdout), [])
  })

  it('--trust links it after the warning', async () => {
    const result = await runCli(['plugins', 'link', '--no-install', '--trust', EXAMPLE_PLUGIN], {env})
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /Warning: .* is not a plugin of the docker-credential-atcr project/)
  })
})

describe('a linked plugin, listed with its trust state', {timeout: 60_000}, () => {
  let sandbox: Sandbox
  let env: NodeJS.ProcessEnv
  let copy: string
  before(async () => {
    sandbox = makeSandbox()
    env = pluginEnv(sandbox)
    copy = path.join(sandbox.root, 'example-plugin')
    cpSync(EXAMPLE_PLUGIN, copy, {recursive: true})
    // Its `@oclif/core` import resolves from the repository's node_modules, linked beside the plugin's root
    // (as npm places an installed plugin's dependencies), not inside it: a link out of the root is refused
    // by `plugins trust`, which covers every file under the root.
    symlinkSync(path.join(REPO, 'node_modules'), path.join(sandbox.root, 'node_modules'))
    // A plugin command that fails with suggestions, as oclif lets any command do.
    writeFileSync(
      path.join(copy, 'commands', 'fails.js'),
      `import {Command} from '@oclif/core'
export default class Fails extends Command {
  async run() {
    this.error('the example failed', {suggestions: ['run: docker-credential-atcr example', 'or read the docs']})
  }
}
`,
    )
    const linked = await runCli(['plugins', 'link', '--no-install', '--trust', copy], {env})
    assert.equal(linked.code, 0, linked.stderr)
  })
  after(() => sandbox.cleanup())

  it('people commands print no "cannot be auto-transpiled" warning for a plain-JS linked plugin', async () => {
    for (const args of [['status', '--offline'], ['version'], ['example']]) {
      const result = await runCli(args, {env})
      if (args[0] === 'example') assert.equal(result.stdout, 'hello from atcr-plugin-example\n')
      assert.doesNotMatch(result.stderr, /auto-transpiled|linked ESM module|Warning/, args.join(' '))
    }
  })

  it('plugins --json: a short typed list (name, version, type, trust)', async () => {
    const result = await runCli(['plugins', '--json'], {env})
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), [
      {name: NAME, version: '1.0.0', type: 'link', trust: 'not trusted'},
    ])
    assert.ok(result.stdout.split('\n').length < 20, `${result.stdout.split('\n').length} lines`)
  })

  it('plugins: each plugin with its trust state; a lapsed trust says why and what to run', async () => {
    let result = await runCli(['plugins'], {env})
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, new RegExp(`^${NAME} 1\\.0\\.0 \\(link\\): not trusted on get$`, 'm'))
    assert.equal((await runCli(['plugins', 'trust', NAME], {env})).code, 0)
    result = await runCli(['plugins'], {env})
    assert.match(result.stdout, new RegExp(`^${NAME} 1\\.0\\.0 \\(link\\): trusted on get$`, 'm'))
    // A changed hook file: get skips the plugin, and the list says so without ATCR_DEBUG.
    writeFileSync(
      path.join(copy, 'hooks', 'identity.js'),
      '// changed\nexport default async () => undefined\n',
    )
    result = await runCli(['plugins', '--json'], {env})
    const [entry] = JSON.parse(result.stdout)
    assert.equal(entry.trust, 'lapsed')
    assert.match(entry.reason, /changed since it was trusted/)
    result = await runCli(['plugins'], {env})
    assert.match(
      result.stdout,
      new RegExp(
        `^${NAME} 1\\.0\\.0 \\(link\\): trust lapsed \\(.*changed since it was trusted\\); get skips it\\. Trust it again: docker-credential-atcr plugins trust ${NAME}$`,
        'm',
      ),
    )
  })

  it("a plugin command's this.error(…, {suggestions}) keeps its suggestions on the one error line", async () => {
    const result = await runCli(['fails'], {env})
    assert.equal(result.code, 2) // oclif's exit code for this.error without one
    assert.equal(
      result.stderr,
      'Error: the example failed. Try: run: docker-credential-atcr example; or read the docs\n',
    )
  })
})

/** The CLI run from `cwd` (runCli runs from the test's own directory). */
function runFrom(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], {cwd, env, timeout: 15_000}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
      resolve({stdout, stderr, code, signal: error?.signal ?? null})
    })
  })
}

describe('plugins install of a local path', {timeout: 60_000}, () => {
  let sandbox: Sandbox
  let env: NodeJS.ProcessEnv
  before(() => {
    sandbox = makeSandbox()
    env = pluginEnv(sandbox)
    mkdirSync(path.join(sandbox.root, 'dir-plugin'))
    writeFileSync(path.join(sandbox.root, 'x.tgz'), '') // never unpacked: consent is refused first
  })
  after(() => sandbox.cleanup())

  for (const spelling of ['/ABS/x.tgz', './x.tgz', 'x.tgz', '/ABS/dir-plugin']) {
    it(`${spelling} is a local path (file:), not a GitHub URL`, async () => {
      const typed = spelling.replace('/ABS', sandbox.root)
      const result = await runFrom(sandbox.root, ['plugins', 'install', typed], env)
      assert.equal(result.code, 2, result.stderr)
      assert.doesNotMatch(result.stderr, /github/i)
      const absolute = path.resolve(sandbox.root, typed)
      assert.ok(result.stderr.includes(`file:${absolute}`), result.stderr)
    })
  }

  it('a missing file fails at once with one line, not after npm tries GitHub', async () => {
    const started = Date.now()
    const missing = path.join(sandbox.root, 'missing.tgz')
    const result = await runCli(['plugins', 'install', missing, '--trust'], {env, timeoutMs: 15_000})
    assert.equal(result.code, 1, result.stderr)
    assert.equal(result.stdout, '')
    assert.equal(
      result.stderr.trim().split('\n').at(-1),
      `Error: ${missing} does not exist. Nothing was installed.`,
    )
    assert.ok(Date.now() - started < 10_000)
  })
})
