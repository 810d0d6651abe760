/**
 * The update, for real: an installed older copy (an unpacked release tarball) runs `update`, which
 * downloads a newer release of this project from a local release host, and afterwards the same
 * launcher runs the new version, and Docker's `get` still answers.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import type {Server} from 'node:http'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {BIN, publishRelease, serveDirectory, shareDependencies, writePackage} from './release-layout.ts'

interface Run {
  stdout: string
  stderr: string
  code: number | null
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {env, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({stdout, stderr, code})
    })
    child.stdin.end(input)
  })
}

describe('update from a release tarball install', {timeout: 180_000}, () => {
  let root: string
  let server: Server
  let hostUrl: string
  let requests: string[]
  let env: NodeJS.ProcessEnv
  let launcher: string

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'atcr-update-'))
    shareDependencies(root)
    const hostDir = path.join(root, 'host')
    mkdirSync(hostDir)
    ;({url: hostUrl, requests, server} = await serveDirectory(hostDir))
    await publishRelease(path.join(root, 'stage'), hostDir, hostUrl, {
      version: '0.2.0',
      channel: 'stable',
      sha: 'abc1234',
    })
    await publishRelease(path.join(root, 'stage-beta'), hostDir, hostUrl, {
      version: '0.3.0-beta.1',
      channel: 'beta',
      sha: 'def5678',
    })

    const installDir = path.join(root, 'install', BIN)
    await writePackage(installDir, '0.1.0')
    launcher = path.join(installDir, 'bin', BIN)

    const home = path.join(root, 'home')
    mkdirSync(home)
    env = {
      PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
      HOME: home,
      XDG_DATA_HOME: path.join(home, '.local', 'share'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      XDG_CONFIG_HOME: path.join(home, '.config'),
      ATCR_CONFIG_DIR: path.join(home, 'empty-atcr'),
      DOCKER_CONFIG: path.join(home, '.docker'),
      ATCR_UPDATE_HOST: hostUrl,
      ATCR_NO_UPDATE_NOTIFIER: '1',
      NO_COLOR: '1',
    }
  })
  after(() => {
    server?.closeAllConnections()
    server?.close()
    if (root) rmSync(root, {recursive: true, force: true})
  })

  it('runs the old version before updating', async () => {
    const version = await run(launcher, ['--version'], env)
    assert.equal(version.code, 0, version.stderr)
    assert.match(version.stdout, new RegExp(`^${BIN} 0\\.1\\.0 `))
  })

  it('updates to the newest stable release, then runs it (a pipe on stdin is not the channel)', async () => {
    const update = await run(launcher, ['update'], env, 'beta\n')
    assert.equal(update.code, 0, update.stderr)
    assert.ok(
      requests.includes(
        `/channels/stable/${BIN}-${process.platform}-${process.arch === 'ia32' ? 'x86' : process.arch}-buildmanifest`,
      ),
    )
    assert.ok(requests.some((request) => request.endsWith('.tar.gz')))
    const clientDir = path.join(env.XDG_DATA_HOME!, 'atcr', 'client')
    assert.ok(existsSync(path.join(clientDir, '0.2.0-abc1234', 'dist', 'protocol.js')))
    assert.equal(readFileSync(path.join(env.XDG_DATA_HOME!, 'atcr', 'channel'), 'utf8'), 'stable')

    const version = await run(launcher, ['--version'], env)
    assert.equal(version.code, 0, version.stderr)
    assert.match(version.stdout, new RegExp(`^${BIN} 0\\.2\\.0 `))
  })

  it('still answers Docker after the update', async () => {
    const get = await run(launcher, ['get'], env, 'atcr.io')
    assert.equal(get.stdout, 'credentials not found in native keychain\n')
    assert.equal(get.code, 1)
  })

  it('says so when already on the newest release', async () => {
    const again = await run(launcher, ['update'], env)
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stderr, /already on version 0\.2\.0/)
  })

  it('switches to the beta channel, and stays on it', async () => {
    const update = await run(launcher, ['update', 'beta'], env)
    assert.equal(update.code, 0, `${update.stderr}\n${requests.join('\n')}`)
    assert.equal(readFileSync(path.join(env.XDG_DATA_HOME!, 'atcr', 'channel'), 'utf8'), 'beta')
    const version = await run(launcher, ['--version'], env)
    assert.match(version.stdout, new RegExp(`^${BIN} 0\\.3\\.0-beta\\.1 `))
    const again = await run(launcher, ['update'], env) // no channel given: the remembered one
    assert.match(again.stderr, /already on version 0\.3\.0-beta\.1/)
    const get = await run(launcher, ['get'], env, 'atcr.io')
    assert.equal(get.stdout, 'credentials not found in native keychain\n')
  })

  it('refuses an unknown channel', async () => {
    const result = await run(launcher, ['update', 'nightly'], env)
    assert.equal(result.code, 2)
    assert.match(result.stderr, /Unknown channel "nightly"\. Channels: stable, beta/)
  })
})
