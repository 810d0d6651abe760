/**
 * The release end to end, on real artifacts (`npm run test:release`, under node:test).
 *
 * `npm run release` (oclif pack tarballs) cuts 1.0.0 (stable) and 1.1.0-beta.1 (beta) for linux-x64,
 * signed with a throwaway Ed25519 key, into a temporary release directory served as it is from 127.0.0.1.
 * install.sh installs stable into a temporary prefix. Then, with a PATH that holds no `node` at all:
 * `get` answers, the real `docker` CLI runs the helper through `credHelpers`, configure-docker does not
 * warn about Node.js, and `update` (@oclif/plugin-update behind the signature check) moves across
 * channels from (a) a Node static server and (b) `python3 -m http.server` (HTTP/1.0); it refuses, leaving
 * the installed copy untouched and answering, (c) a host that switches what it serves between requests,
 * (d) a tampered tarball, (e) a manifest signed with another key, (f) a signed manifest without
 * `sha256gz`, a downgrade without --force, and a cleartext host; install.sh refuses the same, and hosts
 * carrying user info, and an older release over a newer one without --force.
 *
 * ATCR_E2E_BUILD=0 skips `npm run build` (npm test has built). oclif's Node.js cache (tmp/cache) is
 * filled from the npm registry on the first run and reused.
 */
import assert from 'node:assert/strict'
import {execFile, spawn, spawnSync} from 'node:child_process'
import {createHash, generateKeyPairSync} from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {channelManifestPath, tarballPath} from '../../src/lib/update/release-manifest.ts'
import {signDocument} from '../../src/lib/update/signed-document.ts'
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
  // oclif's tarball launcher is a bash script; install.sh compares prerelease ids with sort -V.
  'bash',
  'sort',
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

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/** `python3 -m http.server` on 127.0.0.1 (HTTP/1.0) serving `directory`; resolves once it listens. */
async function pythonServer(directory: string): Promise<{url: string; stop(): void}> {
  const child = spawn(
    'python3',
    ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', directory],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  )
  const port = await new Promise<string>((resolve, reject) => {
    let text = ''
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      const match = / port (\d+)/.exec(text)
      if (match) resolve(match[1]!)
    })
    child.once('exit', () => reject(new Error(`python3 -m http.server exited: ${text}`)))
  })
  return {url: `http://127.0.0.1:${port}`, stop: () => child.kill()}
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
  let keyFile: string
  /** The commit the releases were cut from: a path segment of every release file (oclif's layout). */
  let SHA: string

  const helper = (args: string[], input = '', extra: NodeJS.ProcessEnv = {}) =>
    run(launcher, args, {...env, ...extra}, input)
  const versionLine = async () => (await helper(['--version'])).stdout
  const installSh = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    run(
      'sh',
      [
        path.join(releaseDir, 'install.sh'),
        '--prefix',
        path.dirname(path.dirname(launcher)),
        '--host',
        host,
        ...args,
      ],
      {...env, ...extra},
    )
  /** Replace a file of the release tree for the length of `body`. */
  async function withFile(relative: string, contents: Buffer | string, body: () => Promise<void>) {
    const file = path.join(releaseDir, relative)
    const original = readFileSync(file)
    rmSync(file) // a new inode: the channel tarball is a hard link of the versioned one
    writeFileSync(file, contents)
    try {
      await body()
    } finally {
      rmSync(file)
      writeFileSync(file, original)
    }
  }
  const betaManifest = () => channelManifestPath(target, 'beta')
  const readBetaManifest = () => readFileSync(path.join(releaseDir, betaManifest()), 'utf8')
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
    keyFile = path.join(root, 'release-key.pem')
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
    const shas = ['1.0.0', '1.1.0-beta.1'].map((version) =>
      readdirSync(path.join(releaseDir, 'versions', version)),
    )
    assert.deepEqual(shas[0], shas[1], 'both releases are cut from one commit')
    SHA = shas[0]![0]!
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
    assert.equal(readlinkSync(path.join(dataDir, 'client', 'current')), `./1.0.0-${SHA}`)
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

  it('install.sh refuses a host carrying user info, which would reach another host', async () => {
    for (const userInfo of [
      'http://127.0.0.1@example.com',
      'http://localhost:x@example.com',
      'http://[::1]@example.com',
    ]) {
      const install = await run('sh', [path.join(releaseDir, 'install.sh'), '--host', userInfo], env)
      assert.equal(install.code, 1, userInfo)
      assert.match(
        install.stderr,
        /^install\.sh: refusing the release host .*: it must not carry a user name or password/,
      )
    }
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

  it('(a) update beta installs the beta release from the host it was installed from (Node static server)', async () => {
    const since = Date.now()
    const update = await helper(['update', 'beta'])
    timed('update beta', since)
    assert.equal(update.code, 0, update.stderr)
    assert.match(update.stderr, /updated from 1\.0\.0 to 1\.1\.0-beta\.1 \(beta\)/)
    assert.equal(readlinkSync(path.join(dataDir, 'client', 'current')), `./1.1.0-beta.1-${SHA}`)
    assert.equal(readFileSync(path.join(dataDir, 'channel'), 'utf8'), 'beta')
    await assertStillAnswers('1.1.0-beta.1')
    const again = await helper(['update'])
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stderr, /already on version 1\.1\.0-beta\.1 \(beta\)/)
  })

  it('update --available lists both releases, and --json gives them as data', async () => {
    const available = await helper(['update', '--available'])
    assert.equal(available.code, 0, available.stderr)
    assert.match(available.stdout, /^1\.1\.0-beta\.1 +beta +newest beta, installed$/m)
    assert.match(available.stdout, /^1\.0\.0 +stable +newest stable$/m)
    const json = await helper(['update', '--available', '--json'])
    assert.equal(json.code, 0, json.stderr)
    assert.deepEqual(JSON.parse(json.stdout), [
      {version: '1.1.0-beta.1', channel: 'beta', newest: true, installed: true},
      {version: '1.0.0', channel: 'stable', newest: true, installed: false},
    ])
  })

  it('update --version of a release that does not exist points at --available', async () => {
    const update = await helper(['update', '--version', '9.9.9'])
    assert.equal(update.code, 1)
    assert.match(update.stderr, /^Error: No release 9\.9\.9; see `update --available`\./)
    await assertStillAnswers('1.1.0-beta.1')
  })

  it('install.sh does not install an older release over a newer one without --force', async () => {
    const refused = await installSh([])
    assert.equal(refused.code, 1)
    assert.match(
      refused.stderr,
      /1\.1\.0-beta\.1 is installed and the stable release is the older 1\.0\.0: not installed \(run again with --force/,
    )
    await assertStillAnswers('1.1.0-beta.1')
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

  it('(b) updates across channels from python3 -m http.server (HTTP/1.0)', async () => {
    const python = await pythonServer(releaseDir)
    try {
      const beta = await helper(['update', 'beta'], '', {ATCR_UPDATE_HOST: python.url})
      assert.equal(beta.code, 0, beta.stderr)
      assert.match(beta.stderr, /updated from 1\.0\.0 to 1\.1\.0-beta\.1 \(beta\)/)
      await assertStillAnswers('1.1.0-beta.1')
      const stable = await helper(['update', 'stable', '--force'], '', {ATCR_UPDATE_HOST: python.url})
      assert.equal(stable.code, 0, stable.stderr)
      await assertStillAnswers('1.0.0')
    } finally {
      python.stop()
    }
  })

  it('(c) a host that switches what it serves between requests gets nothing installed', async () => {
    // First answer: the signed beta manifest. Every later answer: another manifest whose tarball matches
    // it, and that tarball at the signed manifest's path. The signature check and the install must see
    // the same bytes: the one manifest is fetched once, the tarball is checked against it, refused.
    const good = readBetaManifest()
    const tarballKey = tarballPath(target, '1.1.0-beta.1', SHA)
    const evilTarball = Buffer.from(readFileSync(path.join(releaseDir, tarballKey)))
    evilTarball[evilTarball.length - 100]! ^= 0x01
    const evil = good.replace(/"sha256gz": "[0-9a-f]+"/, `"sha256gz": "${sha256(evilTarball)}"`)
    const asked: string[] = []
    const switching = createServer((request, response) => {
      const key = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname).slice(1)
      asked.push(key)
      if (key === betaManifest()) {
        response.end(asked.filter((k) => k === key).length === 1 ? good : evil)
        return
      }
      if (key === tarballKey) {
        response.end(evilTarball)
        return
      }
      try {
        response.end(readFileSync(path.join(releaseDir, path.normalize(key))))
      } catch {
        response.statusCode = 404
        response.end()
      }
    })
    await new Promise<void>((resolve) => switching.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(switching.address() as AddressInfo).port}`
      const update = await helper(['update', 'beta'], '', {ATCR_UPDATE_HOST: url})
      assert.equal(update.code, 1, update.stderr)
      assert.match(
        update.stderr,
        /SHA-256 does not match the signed manifest\. docker-credential-atcr 1\.0\.0 is unchanged\./,
      )
      assert.equal(asked.filter((key) => key === betaManifest()).length, 1, asked.join(' '))
      assert.equal(readlinkSync(path.join(dataDir, 'client', 'current')), `./1.0.0-${SHA}`)
      await assertStillAnswers('1.0.0')
    } finally {
      switching.closeAllConnections()
      switching.close()
    }
  })

  it('(d) a tampered tarball is refused by update and by install.sh; the installed copy keeps working', async () => {
    const key = tarballPath(target, '1.1.0-beta.1', SHA)
    const tampered = Buffer.from(readFileSync(path.join(releaseDir, key)))
    tampered[tampered.length - 100]! ^= 0x01
    await withFile(key, tampered, async () => {
      const update = await helper(['update', 'beta'])
      assert.equal(update.code, 1)
      assert.match(update.stderr, /SHA-256 does not match the signed manifest/)
      await assertStillAnswers('1.0.0')
      const install = await installSh(['--channel', 'beta'])
      assert.equal(install.code, 1)
      assert.match(install.stderr, /SHA-256 does not match the signed manifest: refusing it/)
      await assertStillAnswers('1.0.0')
    })
  })

  it('a tampered manifest is refused by update and by install.sh; the installed copy keeps working', async () => {
    const tampered = readBetaManifest().replace(/"sha256gz": "[0-9a-f]+"/, `"sha256gz": "${'0'.repeat(64)}"`)
    await withFile(betaManifest(), tampered, async () => {
      const update = await helper(['update', 'beta'])
      assert.equal(update.code, 1)
      assert.match(update.stderr, /Refused the beta manifest: its signature does not verify/)
      await assertStillAnswers('1.0.0')
      const install = await installSh(['--channel', 'beta'])
      assert.equal(install.code, 1)
      assert.match(install.stderr, /signature does not verify: refusing it/)
      await assertStillAnswers('1.0.0')
    })
  })

  it('(e) a release signed with another key is refused by update and by install.sh', async () => {
    const other = generateKeyPairSync('ed25519').privateKey.export({type: 'pkcs8', format: 'pem'}).toString()
    const signature = signDocument(Buffer.from(readBetaManifest()), other)
    await withFile(`${betaManifest()}.sig`, signature, async () => {
      const update = await helper(['update', 'beta'])
      assert.equal(update.code, 1)
      assert.match(
        update.stderr,
        /Refused the beta manifest: its signature does not verify with this copy's release key/,
      )
      await assertStillAnswers('1.0.0')
      const install = await installSh(['--channel', 'beta'])
      assert.equal(install.code, 1)
      assert.match(install.stderr, /signature does not verify: refusing it/)
      await assertStillAnswers('1.0.0')
    })
  })

  it('(f) a manifest without sha256gz, signed with the release key, is refused by update and by install.sh', async () => {
    const withoutSha = readBetaManifest().replace(/ *"sha256gz": "[0-9a-f]+",\n/, '')
    assert.doesNotMatch(withoutSha, /sha256gz/)
    const signature = signDocument(Buffer.from(withoutSha), readFileSync(keyFile, 'utf8'))
    await withFile(betaManifest(), withoutSha, () =>
      withFile(`${betaManifest()}.sig`, signature, async () => {
        const update = await helper(['update', 'beta'])
        assert.equal(update.code, 1)
        assert.match(
          update.stderr,
          /Refused the beta manifest: the manifest carries no SHA-256 of the tarball/,
        )
        await assertStillAnswers('1.0.0')
        const install = await installSh(['--channel', 'beta'])
        assert.equal(install.code, 1)
        assert.match(install.stderr, /carries no SHA-256 of the tarball: refusing it/)
        await assertStillAnswers('1.0.0')
      }),
    )
  })

  it('a non-loopback http release host is refused', async () => {
    const update = await helper(['update', 'beta'], '', {ATCR_UPDATE_HOST: 'http://releases.example.com'})
    assert.equal(update.code, 1)
    assert.match(update.stderr, /is not https/)
    await assertStillAnswers('1.0.0')
  })

  it('an unpacked tarball runs by itself through a symlink on PATH, and defers to an updated copy', async () => {
    // `update --force` back to 1.0.0 kept the 1.1.0-beta.1 it ran from: an unpacked tarball, as it is.
    const unpacked = path.join(dataDir, 'client', `1.1.0-beta.1-${SHA}`)
    assert.ok(existsSync(path.join(unpacked, 'bin', 'node')))
    const links = path.join(root, 'links')
    mkdirSync(links)
    symlinkSync(path.join(unpacked, 'bin', BIN), path.join(links, BIN))
    // A HOME with no install in it (oclif's launcher cds into HOME, so it exists).
    mkdirSync(path.join(root, 'elsewhere'))
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
