/**
 * `npm run test:release`: the release, end to end, on real artifacts.
 *
 * `npm run release` cuts 1.0.0 (stable) and 1.1.0-beta.1 (beta) for linux-x64, signed with a throwaway
 * Ed25519 key, into a temporary release directory that a static HTTP server on 127.0.0.1 serves as-is.
 * install.sh installs stable into a temporary prefix. Then, with a PATH that holds no `node` at all:
 * `get` answers, the real `docker` CLI runs the helper through `credHelpers`, configure-docker does not
 * warn about Node.js, `update beta`, `update stable` (a downgrade: refused, then --force),
 * `update --available`; a tampered tarball and a tampered manifest are refused, by `update` and by
 * install.sh, and the installed copy keeps answering after each refusal.
 *
 * ATCR_E2E_BUILD=0 skips `npm run build` (npm test has built). The Node.js package cache
 * (tmp/node-binaries, or $ATCR_NODE_CACHE) is filled on the first run and reused.
 */
import assert from 'node:assert/strict'
import {execFile, spawnSync} from 'node:child_process'
import {generateKeyPairSync} from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import type {Server} from 'node:http'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {channelManifestPath, tarballPath} from '../../src/lib/update/release-manifest.ts'
import {REPO} from '../support/cli.ts'
import {type DockerEngineStub, startDockerEngineStub} from '../support/docker-engine-stub.ts'
import {serveDirectory} from '../update/release-layout.ts'

const BIN = 'docker-credential-atcr'
const target = {bin: BIN, platform: 'linux', arch: 'x64'}
const ALICE = {
  handle: 'alice.bsky.social',
  did: 'did:plc:alice2a7wqbxrj4x6ugz5ecz',
  device_secret: 'atcr_device_alice_0f3b9c8e7d6a5b4c3d2e1f00',
}
const BOB = {
  handle: 'bob.example.com',
  did: 'did:plc:bobx5kqe3ng2wvdumr7uy4lc',
  device_secret: 'atcr_device_bob_9a8b7c6d5e4f3a2b1c0d9e8f',
}
/** What install.sh, update and docker need from the system; node is deliberately not among them. */
const TOOLS = [
  'sh',
  'curl',
  'tar',
  'gzip',
  'openssl',
  'sed',
  'head',
  'cut',
  'mktemp',
  'rm',
  'mkdir',
  'mv',
  'ln',
  'chmod',
  'cat',
  'uname',
  'sha256sum',
  'readlink',
  'docker',
  'dirname',
  'ls',
]

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      {env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024},
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({code, stdout, stderr})
      },
    )
    child.stdin?.on('error', () => {}) // a child that exits before reading its stdin
    child.stdin?.end(input)
  })
}

const started = Date.now()
const timings: string[] = []
function timed(label: string, since: number) {
  timings.push(`${label} ${((Date.now() - since) / 1000).toFixed(1)} s`)
}

describe('a real release, installed without Node.js and updated across channels', {timeout: 600_000}, () => {
  let root: string
  let releaseDir: string
  let server: Server
  let host: string
  let engine: DockerEngineStub
  let env: NodeJS.ProcessEnv
  let launcher: string
  let dataDir: string

  const helper = (args: string[], input = '', extra: NodeJS.ProcessEnv = {}) =>
    run(launcher, args, {...env, ...extra}, input)
  const versionLine = async () => (await helper(['--version'])).stdout
  async function assertStillAnswers(version: string) {
    assert.match(await versionLine(), new RegExp(`^${BIN} ${version.replaceAll('.', '\\.')} `))
    const get = await helper(['get'], 'atcr.io')
    assert.equal(get.code, 0, get.stdout + get.stderr)
    assert.equal(
      get.stdout,
      `${JSON.stringify({ServerURL: 'atcr.io', Username: ALICE.handle, Secret: ALICE.device_secret})}\n`,
    )
  }

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'atcr-release-e2e-'))
    releaseDir = path.join(root, 'release')
    const {privateKey} = generateKeyPairSync('ed25519')
    const keyFile = path.join(root, 'release-key.pem')
    writeFileSync(keyFile, privateKey.export({type: 'pkcs8', format: 'pem'}), {mode: 0o600})

    if (process.env.ATCR_E2E_BUILD !== '0') {
      const build = spawnSync('npm', ['run', 'build'], {cwd: REPO, stdio: 'inherit'})
      assert.equal(build.status, 0, 'npm run build failed')
    }
    for (const [version, channel] of [
      ['1.0.0', 'stable'],
      ['1.1.0-beta.1', 'beta'],
    ] as const) {
      const since = Date.now()
      const release = spawnSync(
        'npm',
        ['run', 'release', '--', '--targets', 'linux-x64', '--channel', channel, '--version', version],
        {
          cwd: REPO,
          encoding: 'utf8',
          env: {
            ...process.env,
            ATCR_RELEASE_DIR: releaseDir,
            ATCR_RELEASE_KEY: keyFile,
            ATCR_RELEASE_BUILD: '0',
            ATCR_RELEASE_GZIP_LEVEL: '1',
          },
        },
      )
      assert.equal(release.status, 0, `npm run release ${version} failed:\n${release.stderr}`)
      timed(`release ${version}`, since)
      process.stderr.write(
        release.stderr
          .split('\n')
          .filter((line) => /MB|targets/.test(line))
          .join('\n') + '\n',
      )
    }
    ;({url: host, server} = await serveDirectory(releaseDir))

    const tools = path.join(root, 'tools')
    mkdirSync(tools)
    for (const tool of TOOLS) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], {encoding: 'utf8'}).stdout.trim()
      if (found) symlinkSync(found, path.join(tools, tool))
    }
    const home = path.join(root, 'home')
    const prefix = path.join(root, 'prefix')
    mkdirSync(home)
    engine = await startDockerEngineStub()
    env = {
      PATH: `${path.join(prefix, 'bin')}:${tools}`,
      HOME: home,
      ATCR_CONFIG_DIR: path.join(home, '.atcr'),
      DOCKER_CONFIG: path.join(home, '.docker'),
      DOCKER_HOST: engine.dockerHost,
      ATCR_SESSION_CHECK: '0',
      ATCR_NO_UPDATE_NOTIFIER: '1',
      NO_COLOR: '1',
    }
    for (const directory of env.PATH!.split(':'))
      assert.equal(existsSync(path.join(directory, 'node')), false, `node must not be on PATH (${directory})`)
    launcher = path.join(prefix, 'bin', BIN)
    dataDir = path.join(home, '.local', 'share', 'atcr')
  })

  after(async () => {
    server?.closeAllConnections()
    server?.close()
    await engine?.close()
    if (root) rmSync(root, {recursive: true, force: true})
    process.stderr.write(
      `timings: ${timings.join(', ')}; total ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    )
  })

  it('install.sh installs the stable release into the prefix, verified with openssl', async () => {
    const since = Date.now()
    const install = await run(
      'sh',
      [path.join(releaseDir, 'install.sh'), '--prefix', path.dirname(path.dirname(launcher)), '--host', host],
      env,
    )
    timed('install.sh', since)
    assert.equal(install.code, 0, install.stderr)
    assert.match(
      install.stderr,
      /Installed docker-credential-atcr 1\.0\.0 \(stable\) .*signature checked with openssl/,
    )
    assert.match(install.stderr, /Next, run: docker-credential-atcr configure-docker/)
    assert.equal(readlinkSync(path.join(dataDir, 'client', 'current')), '1.0.0')
    assert.equal(readFileSync(path.join(dataDir, 'release-host'), 'utf8').trim(), host)
  })

  it('install.sh refuses a cleartext host that is not loopback, before downloading anything', async () => {
    const install = await run(
      'sh',
      [path.join(releaseDir, 'install.sh'), '--host', 'http://releases.example.com'],
      env,
    )
    assert.equal(install.code, 1)
    assert.match(
      install.stderr,
      /^install\.sh: refusing the release host http:\/\/releases\.example\.com: it must be https/,
    )
  })

  it('install.sh without openssl verifies the signature with a Node.js on PATH', async () => {
    const tools = path.join(root, 'tools-node')
    mkdirSync(tools)
    for (const tool of TOOLS.filter((name) => name !== 'openssl'))
      if (existsSync(path.join(root, 'tools', tool)))
        symlinkSync(readlinkSync(path.join(root, 'tools', tool)), path.join(tools, tool))
    symlinkSync(process.execPath, path.join(tools, 'node'))
    const home = path.join(root, 'home-node')
    mkdirSync(home)
    const install = await run(
      'sh',
      [path.join(releaseDir, 'install.sh'), '--prefix', path.join(home, 'p'), '--host', host],
      {...env, HOME: home, PATH: tools},
    )
    assert.equal(install.code, 0, install.stderr)
    assert.match(install.stderr, /signature checked with node\)/)
  })

  it('answers get with no node on PATH', async () => {
    mkdirSync(env.ATCR_CONFIG_DIR!, {recursive: true, mode: 0o700})
    writeFileSync(
      path.join(env.ATCR_CONFIG_DIR!, 'device.json'),
      JSON.stringify({
        version: 2,
        registries: {
          'https://atcr.io': {active: ALICE.handle, accounts: {[ALICE.handle]: ALICE, [BOB.handle]: BOB}},
        },
      }),
      {mode: 0o600},
    )
    await assertStillAnswers('1.0.0')
  })

  it('configure-docker sets credHelpers and does not warn about Node.js', async () => {
    const configure = await helper(['configure-docker'])
    assert.equal(configure.code, 0, configure.stderr)
    assert.doesNotMatch(configure.stderr + configure.stdout, /node/i)
    const config = JSON.parse(readFileSync(path.join(env.DOCKER_CONFIG!, 'config.json'), 'utf8'))
    assert.equal(config.credHelpers['atcr.io'], 'atcr')
  })

  it('the real docker CLI runs the installed helper through credHelpers', async () => {
    const before = engine.requests.length
    const pull = await run('docker', ['pull', `atcr.io/${BOB.handle}/app:latest`], env)
    assert.equal(pull.code, 0, pull.stdout + pull.stderr)
    const pulls = engine.requests.slice(before).filter((request) => request.path === '/images/create')
    assert.equal(pulls.length, 1)
    assert.equal(pulls[0]!.registryAuth?.username, BOB.handle)
    assert.equal(pulls[0]!.registryAuth?.password, BOB.device_secret)
  })

  it('update beta installs the beta release from the host it was installed from', async () => {
    const update = await helper(['update', 'beta'])
    assert.equal(update.code, 0, update.stderr)
    assert.match(update.stderr, /updated from 1\.0\.0 to 1\.1\.0-beta\.1 \(beta\)/)
    await assertStillAnswers('1.1.0-beta.1')
  })

  it('update --available lists both releases', async () => {
    const available = await helper(['update', '--available'])
    assert.equal(available.code, 0, available.stderr)
    assert.match(available.stdout, /^1\.1\.0-beta\.1 +beta +newest beta, installed$/m)
    assert.match(available.stdout, /^1\.0\.0 +stable +newest stable$/m)
  })

  it('update stable is a downgrade: refused in one line without --force, done with it', async () => {
    const refused = await helper(['update', 'stable'])
    assert.equal(refused.code, 1)
    assert.match(
      refused.stderr,
      /Refused to downgrade from 1\.1\.0-beta\.1 \(beta\) to 1\.0\.0 \(stable\); to install it anyway, run it again with --force\. docker-credential-atcr 1\.1\.0-beta\.1 is unchanged\./,
    )
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr)
    await assertStillAnswers('1.1.0-beta.1')
    const forced = await helper(['update', 'stable', '--force'])
    assert.equal(forced.code, 0, forced.stderr)
    await assertStillAnswers('1.0.0')
  })

  it('a tampered tarball is refused by update and by install.sh; the installed copy keeps working', async () => {
    const tarball = path.join(releaseDir, tarballPath(target, '1.1.0-beta.1'))
    const original = readFileSync(tarball)
    const tampered = Buffer.from(original)
    tampered[tampered.length - 100]! ^= 0x01
    writeFileSync(tarball, tampered)
    try {
      const update = await helper(['update', 'beta'])
      assert.equal(update.code, 1)
      assert.match(update.stderr, /SHA-256 does not match the signed manifest/)
      await assertStillAnswers('1.0.0')
      const install = await run(
        'sh',
        [
          path.join(releaseDir, 'install.sh'),
          '--channel',
          'beta',
          '--prefix',
          path.dirname(path.dirname(launcher)),
          '--host',
          host,
        ],
        env,
      )
      assert.equal(install.code, 1)
      assert.match(install.stderr, /SHA-256 does not match the signed manifest: refusing it/)
      await assertStillAnswers('1.0.0')
    } finally {
      writeFileSync(tarball, original)
    }
  })

  it('a tampered manifest is refused by update and by install.sh; the installed copy keeps working', async () => {
    const manifest = path.join(releaseDir, channelManifestPath(target, 'beta'))
    const original = readFileSync(manifest, 'utf8')
    writeFileSync(manifest, original.replace(/"sha256gz": "[0-9a-f]+"/, `"sha256gz": "${'0'.repeat(64)}"`))
    try {
      const update = await helper(['update', 'beta'])
      assert.equal(update.code, 1)
      assert.match(update.stderr, /Refused the beta manifest: its signature does not verify/)
      await assertStillAnswers('1.0.0')
      const install = await run(
        'sh',
        [
          path.join(releaseDir, 'install.sh'),
          '--channel',
          'beta',
          '--prefix',
          path.dirname(path.dirname(launcher)),
          '--host',
          host,
        ],
        env,
      )
      assert.equal(install.code, 1)
      assert.match(install.stderr, /signature does not verify: refusing it/)
      await assertStillAnswers('1.0.0')
    } finally {
      writeFileSync(manifest, original)
    }
  })

  it('a non-loopback http release host is refused', async () => {
    const update = await helper(['update', 'beta'], '', {ATCR_UPDATE_HOST: 'http://releases.example.com'})
    assert.equal(update.code, 1)
    assert.match(update.stderr, /is not https/)
    await assertStillAnswers('1.0.0')
  })

  it('an unpacked tarball runs by itself through a symlink on PATH, and defers to an updated copy', async () => {
    // `update --force` back to 1.0.0 kept the 1.1.0-beta.1 it ran from: an unpacked tarball, as it is.
    const unpacked = path.join(dataDir, 'client', '1.1.0-beta.1')
    assert.ok(existsSync(path.join(unpacked, 'bin', 'node')))
    const links = path.join(root, 'links')
    mkdirSync(links)
    symlinkSync(path.join(unpacked, 'bin', BIN), path.join(links, BIN))
    const bare = {...env, HOME: path.join(root, 'elsewhere'), PATH: `${links}:${env.PATH!.split(':').pop()}`}
    const version = await run(BIN, ['--version'], bare)
    assert.match(version.stdout, /^docker-credential-atcr 1\.1\.0-beta\.1 /, version.stderr)
    const get = await run(BIN, ['get'], bare, 'atcr.io')
    assert.equal(get.code, 0, get.stdout + get.stderr)
    // This HOME holds the copy install.sh put there (1.0.0 after the refusals above): that one runs.
    const deferred = await run(BIN, ['--version'], {...bare, HOME: env.HOME})
    assert.match(deferred.stdout, /^docker-credential-atcr 1\.0\.0 /, deferred.stderr)
  })
})
