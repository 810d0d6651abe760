/**
 * An npm install (the package inside a node_modules directory, no tarball launcher) cannot replace
 * itself: `update` prints the exact npm command for the channel's dist-tag and succeeds.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {runCli} from '../support/cli.ts'
import {BIN, shareDependencies, writePackage} from './release-layout.ts'

describe('update from an npm install', {timeout: 120_000}, () => {
  let root: string
  let cli: string
  let env: NodeJS.ProcessEnv

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'atcr-npm-'))
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
    }
  })
  after(() => rmSync(root, {recursive: true, force: true}))

  const updateInstalled = (args: string[], input = '') => {
    const result = spawnSync(process.execPath, [cli, 'update', ...args], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
      input,
    })
    return {code: result.status, stdout: result.stdout, stderr: result.stderr}
  }

  it('prints the npm command for the stable channel (dist-tag latest), exit 0', async () => {
    const result = updateInstalled([])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /installed by npm and cannot replace itself/)
    assert.match(result.stderr, /^ {2}npm i -g docker-credential-atcr@latest$/m)
    assert.equal(result.stdout, '')
  })

  it('never takes the channel from piped stdin', async () => {
    const result = updateInstalled([], 'beta\n')
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /^ {2}npm i -g docker-credential-atcr@latest$/m)
  })

  it('prints the beta dist-tag for the beta channel', async () => {
    const result = updateInstalled(['beta'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /^ {2}npm i -g docker-credential-atcr@beta$/m)
  })

  it('prints the exact version when one is asked for', async () => {
    const result = updateInstalled(['--version', '0.3.0'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /^ {2}npm i -g docker-credential-atcr@0\.3\.0$/m)
  })

  it('a source checkout is told to use git instead', async () => {
    const result = await runCli(['update'], {env, timeoutMs: 60_000}) // this checkout
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /installed from source/)
  })
})
