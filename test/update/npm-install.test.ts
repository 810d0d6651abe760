/**
 * An npm install (the package inside a node_modules directory, no tarball launcher) cannot replace
 * itself: `update` prints the exact npm command for the channel's dist-tag, keeping the global prefix
 * the package was installed under, and succeeds. `update --available` lists the releases of the npm
 * registry (npm_config_registry: here a static server on 127.0.0.1 serving a package document).
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync} from 'node:fs'
import type {Server} from 'node:http'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {runCli} from '../support/cli.ts'
import {BIN, serveDirectory, shareDependencies, writePackage} from './release-layout.ts'

/** The abbreviated package document (`Accept: application/vnd.npm.install-v1+json`) the registry serves. */
const PACKUMENT = {
  name: BIN,
  modified: '2026-11-01T00:00:00.000Z',
  'dist-tags': {latest: '0.2.0', beta: '0.3.0-beta.1'},
  versions: Object.fromEntries(
    ['0.1.0', '0.2.0', '0.3.0-beta.1'].map((version) => [
      version,
      {name: BIN, version, dist: {tarball: `http://127.0.0.1/${BIN}-${version}.tgz`}},
    ]),
  ),
}

describe('update from an npm install', {timeout: 120_000}, () => {
  let root: string
  let cli: string
  let env: NodeJS.ProcessEnv
  let registry: {url: string; requests: string[]; server: Server}
  /** The global prefix the package is installed under, as the CLI sees it. */
  let prefix: string

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'atcr-npm-'))
    prefix = realpathSync(root)
    const registryDir = path.join(root, 'registry')
    mkdirSync(registryDir)
    writeFileSync(path.join(registryDir, BIN), JSON.stringify(PACKUMENT))
    registry = await serveDirectory(registryDir)
    shareDependencies(root)
    const packageDir = path.join(root, 'lib', 'node_modules', BIN)
    await writePackage(packageDir, '0.1.0')
    cli = path.join(packageDir, 'bin', 'run.js')
    const home = path.join(root, 'home')
    mkdirSync(home)
    env = {
      PATH: process.env.PATH,
      HOME: home,
      XDG_DATA_HOME: path.join(home, '.local', 'share'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      ATCR_CONFIG_DIR: path.join(home, '.atcr'),
      ATCR_UPDATE_HOST: 'http://127.0.0.1:9', // must never be asked
      ATCR_NO_UPDATE_NOTIFIER: '1',
      npm_config_registry: registry.url,
    }
  })
  after(() => {
    registry.server.close()
    rmSync(root, {recursive: true, force: true})
  })

  /** The installed copy's `update …`, spawned (not spawnSync: the registry answers from this process). */
  const updateInstalled = async (args: string[], input = '', extraEnv: NodeJS.ProcessEnv = {}) => {
    const child = spawn(process.execPath, [cli, 'update', ...args], {
      env: {...env, ...extraEnv},
      timeout: 60_000,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.stdin.end(input)
    const [code] = (await once(child, 'close')) as [number | null]
    return {code, stdout, stderr}
  }

  /** The lines of stderr that are the command to paste (indented by two spaces). */
  const commandLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('  '))

  it('prints the npm command for the stable channel (dist-tag latest) with its prefix, exit 0', async () => {
    const result = await updateInstalled([])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /installed by npm and cannot replace itself/)
    // The temporary prefix is not the running Node.js's default one: pasting the plain command would
    // install a second copy there and leave this one as it is.
    assert.deepEqual(commandLines(result.stderr), [`  npm i -g --prefix '${prefix}' ${BIN}@latest`])
    assert.equal(result.stdout, '')
    assert.deepEqual(registry.requests, [], 'update without --available does not ask the registry')
  })

  it('never takes the channel from piped stdin', async () => {
    const result = await updateInstalled([], 'beta\n')
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(commandLines(result.stderr), [`  npm i -g --prefix '${prefix}' ${BIN}@latest`])
  })

  it('prints the beta dist-tag for the beta channel', async () => {
    const result = await updateInstalled(['beta'])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(commandLines(result.stderr), [`  npm i -g --prefix '${prefix}' ${BIN}@beta`])
  })

  it('prints the exact version when one is asked for', async () => {
    const result = await updateInstalled(['--version', '0.3.0'])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(commandLines(result.stderr), [`  npm i -g --prefix '${prefix}' ${BIN}@0.3.0`])
  })

  it('keeps the prefix when npm_config_prefix points elsewhere', async () => {
    const result = await updateInstalled([], '', {npm_config_prefix: path.join(root, 'elsewhere')})
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(commandLines(result.stderr), [`  npm i -g --prefix '${prefix}' ${BIN}@latest`])
  })

  it('--available lists the releases of the npm registry, its dist-tags as channels', async () => {
    registry.requests.length = 0
    const result = await updateInstalled(['--available'])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(
      result.stdout
        .trimEnd()
        .split('\n')
        .map((line) => line.split(/\s+/).join(' ')),
      ['0.3.0-beta.1 beta newest beta', '0.2.0 stable newest stable', '0.1.0 stable installed'],
    )
    assert.deepEqual(registry.requests, [`/${BIN}`])
  })

  it('--available with an unreachable registry: one line on stderr, exit 1', async () => {
    const result = await updateInstalled(['--available'], '', {npm_config_registry: 'http://127.0.0.1:9/'})
    assert.equal(result.code, 1, result.stderr)
    assert.equal(result.stdout, '')
    const lines = result.stderr.trimEnd().split('\n')
    assert.equal(lines.length, 1, result.stderr)
    assert.match(lines[0]!, /^Error: Cannot reach the npm registry http:\/\/127\.0\.0\.1:9\/ /)
  })

  it('a source checkout is told to use git instead', async () => {
    const result = await runCli(['update'], {env, timeoutMs: 60_000}) // this checkout
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /installed from source/)
  })
})
