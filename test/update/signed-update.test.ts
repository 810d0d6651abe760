/**
 * The rules `update` applies before it installs anything (src/lib/update/install-release.ts), against a
 * real HTTP release host on 127.0.0.1 serving small signed releases: a signature that verifies with the
 * copy's key, a SHA-256 present and matching, the right platform and channel, no downgrade without
 * --force, no cleartext host. After every refusal `current` still points at the installed version.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {createHash, generateKeyPairSync} from 'node:crypto'
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
import {after, before, beforeEach, describe, it} from 'node:test'

import {availableReleases, updateInstall, type UpdateRequest} from '../../src/lib/update/install-release.ts'
import {
  channelManifestPath,
  parseManifest,
  tarballPath,
  versionIndexPath,
  versionManifestPath,
} from '../../src/lib/update/release-manifest.ts'
import {installedFrom, releaseHost, releaseHostRefusal} from '../../src/lib/update/release-host.ts'
import {signDocument, verifyDocument} from '../../src/lib/update/signed-document.ts'
import {serveDirectory} from './release-layout.ts'

const BIN = 'docker-credential-atcr'
const target = {bin: BIN, platform: 'linux', arch: 'x64'}

function keyPair() {
  const {privateKey, publicKey} = generateKeyPairSync('ed25519')
  return {
    privateKeyPem: privateKey.export({type: 'pkcs8', format: 'pem'}).toString(),
    publicKeyPem: publicKey.export({type: 'spki', format: 'pem'}).toString(),
  }
}

describe('signed documents', () => {
  const {privateKeyPem, publicKeyPem} = keyPair()
  const bytes = Buffer.from('{"version": "1.0.0"}\n')
  const signature = signDocument(bytes, privateKeyPem)

  it('verify with the matching public key', () => {
    assert.equal(verifyDocument(bytes, signature, publicKeyPem), true)
  })
  it('do not verify once a byte changed, with another key, or with a malformed signature', () => {
    assert.equal(verifyDocument(Buffer.from('{"version": "1.0.1"}\n'), signature, publicKeyPem), false)
    assert.equal(verifyDocument(bytes, signature, keyPair().publicKeyPem), false)
    assert.equal(verifyDocument(bytes, 'not base64!', publicKeyPem), false)
    assert.equal(verifyDocument(bytes, '', publicKeyPem), false)
  })
})

describe('release host', () => {
  it('is https, or http on a loopback address only', () => {
    assert.equal(releaseHostRefusal('https://releases.example.com/x'), undefined)
    assert.equal(releaseHostRefusal('http://127.0.0.1:8080'), undefined)
    assert.equal(releaseHostRefusal('http://localhost:1'), undefined)
    assert.equal(releaseHostRefusal('http://[::1]:1'), undefined)
    assert.match(releaseHostRefusal('http://releases.example.com')!, /is not https/)
    assert.match(releaseHostRefusal('http://127.0.0.1.evil.com')!, /is not https/)
    assert.match(releaseHostRefusal('ftp://example.com')!, /is not https/)
    assert.match(releaseHostRefusal('https://u:p@example.com')!, /user name or password/)
    assert.match(releaseHostRefusal('releases')!, /is not a URL/)
  })

  it('comes from ATCR_UPDATE_HOST, else the host the copy was installed from, else the default', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'atcr-host-'))
    try {
      assert.equal(releaseHost({}, 'https://default', dataDir), 'https://default')
      writeFileSync(path.join(dataDir, 'release-host'), 'https://mirror.example/r\n')
      assert.equal(installedFrom(dataDir), 'https://mirror.example/r')
      assert.equal(releaseHost({}, 'https://default', dataDir), 'https://mirror.example/r')
      assert.equal(releaseHost({ATCR_UPDATE_HOST: 'https://env'}, 'https://default', dataDir), 'https://env')
    } finally {
      rmSync(dataDir, {recursive: true, force: true})
    }
  })
})

describe('manifest rules', () => {
  const good = {
    ...target,
    version: '1.0.0',
    channel: 'stable',
    baseDir: BIN,
    gz: tarballPath(target, '1.0.0'),
    sha256gz: 'a'.repeat(64),
    size: 10,
    node: '24.0.0',
  }
  it('accepts a complete manifest for this platform and channel', () => {
    assert.deepEqual(parseManifest(good, {...target, channel: 'stable'}), good)
  })
  it('refuses a manifest without a SHA-256', () => {
    assert.throws(() => parseManifest({...good, sha256gz: undefined}, target), /no SHA-256/)
    assert.throws(() => parseManifest({...good, sha256gz: 'abc'}, target), /no SHA-256/)
  })
  it('refuses a manifest signed for another platform, channel or version', () => {
    assert.throws(() => parseManifest({...good, arch: 'arm64'}, target), /arch "arm64", not "x64"/)
    assert.throws(() => parseManifest(good, {...target, channel: 'beta'}), /channel "stable", not "beta"/)
    assert.throws(() => parseManifest(good, {...target, version: '2.0.0'}), /version "1.0.0", not "2.0.0"/)
  })
  it('refuses paths that leave the host or the client directory', () => {
    assert.throws(() => parseManifest({...good, gz: '../x.tar.gz'}, target), /unsafe tarball path/)
    assert.throws(() => parseManifest({...good, gz: 'https://evil/x.tar.gz'}, target), /unsafe tarball path/)
    assert.throws(() => parseManifest({...good, baseDir: '..'}, target), /unsafe directory/)
  })
})

describe('updateInstall against a local release host', {timeout: 60_000}, () => {
  const {privateKeyPem, publicKeyPem} = keyPair()
  let root: string
  let hostDir: string
  let host: string
  let server: Server
  let dataDir: string

  /** A minimal release: a tarball with package.json and bin/node, and its signed manifests. */
  function publish(version: string, channel: string, change?: (manifest: Record<string, unknown>) => void) {
    const stage = path.join(root, `stage-${version}`, BIN)
    mkdirSync(path.join(stage, 'bin'), {recursive: true})
    writeFileSync(path.join(stage, 'package.json'), JSON.stringify({version}))
    writeFileSync(path.join(stage, 'bin', 'node'), '#!/bin/sh\n', {mode: 0o755})
    const gz = tarballPath(target, version)
    mkdirSync(path.dirname(path.join(hostDir, gz)), {recursive: true})
    execFileSync('tar', ['-czf', path.join(hostDir, gz), '-C', path.dirname(stage), BIN])
    const body = readFileSync(path.join(hostDir, gz))
    const manifest: Record<string, unknown> = {
      ...target,
      version,
      channel,
      baseDir: BIN,
      gz,
      sha256gz: createHash('sha256').update(body).digest('hex'),
      size: body.length,
      node: '24.0.0',
    }
    change?.(manifest)
    for (const key of [channelManifestPath(target, channel), versionManifestPath(target, version)]) {
      const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)
      mkdirSync(path.dirname(path.join(hostDir, key)), {recursive: true})
      writeFileSync(path.join(hostDir, key), bytes)
      writeFileSync(path.join(hostDir, `${key}.sig`), signDocument(bytes, privateKeyPem))
    }
    return manifest
  }

  function request(overrides: Partial<UpdateRequest> = {}): UpdateRequest {
    return {
      host,
      target,
      channel: 'stable',
      force: false,
      current: {version: '1.0.0', channel: 'stable'},
      dataDir,
      publicKeyPem,
      progress: () => {},
      ...overrides,
    }
  }

  const current = () => readlinkSync(path.join(dataDir, 'client', 'current'))

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'atcr-signed-'))
    hostDir = path.join(root, 'host')
    mkdirSync(hostDir)
    ;({url: host, server} = await serveDirectory(hostDir))
  })
  after(() => {
    server?.closeAllConnections()
    server?.close()
    rmSync(root, {recursive: true, force: true})
  })
  beforeEach(() => {
    rmSync(hostDir, {recursive: true, force: true})
    mkdirSync(hostDir)
    dataDir = path.join(root, `data-${Math.random().toString(36).slice(2)}`)
    mkdirSync(path.join(dataDir, 'client', '1.0.0'), {recursive: true})
    symlinkSync('1.0.0', path.join(dataDir, 'client', 'current'))
  })

  it('installs a verified release and points current at it, remembering the channel', async () => {
    publish('1.1.0-beta.1', 'beta')
    const outcome = await updateInstall(request({channel: 'beta'}))
    assert.deepEqual(
      {...outcome, directory: undefined},
      {kind: 'updated', from: '1.0.0', to: '1.1.0-beta.1', channel: 'beta', directory: undefined},
    )
    assert.equal(current(), '1.1.0-beta.1')
    assert.ok(existsSync(path.join(dataDir, 'client', '1.1.0-beta.1', 'bin', 'node')))
    assert.equal(readFileSync(path.join(dataDir, 'channel'), 'utf8'), 'beta')
  })

  it('keeps the running copy, whatever its directory is called, and removes older ones', async () => {
    publish('1.1.0', 'stable')
    mkdirSync(path.join(dataDir, 'client', '0.9.0-abc1234')) // running, in oclif's older naming
    mkdirSync(path.join(dataDir, 'client', '0.8.0')) // neither running nor new
    const running = path.join(dataDir, 'client', '0.9.0-abc1234')
    await updateInstall(request({current: {version: '0.9.0', channel: 'stable', root: running}}))
    assert.ok(existsSync(running))
    assert.equal(existsSync(path.join(dataDir, 'client', '0.8.0')), false)
    assert.equal(current(), '1.1.0')
  })

  it('says when already on the newest release', async () => {
    publish('1.0.0', 'stable')
    assert.equal((await updateInstall(request())).kind, 'already')
  })

  it('refuses an unsigned manifest', async () => {
    publish('1.1.0', 'stable')
    rmSync(path.join(hostDir, `${channelManifestPath(target, 'stable')}.sig`))
    await assert.rejects(updateInstall(request()), /Refused the stable manifest: it is not signed/)
    assert.equal(current(), '1.0.0')
  })

  it('refuses a manifest whose signature does not verify (tampered, or another key)', async () => {
    publish('1.1.0', 'stable')
    const file = path.join(hostDir, channelManifestPath(target, 'stable'))
    writeFileSync(file, readFileSync(file, 'utf8').replace('"1.1.0"', '"1.1.1"'))
    await assert.rejects(updateInstall(request()), /signature does not verify/)
    publish('1.1.0', 'stable')
    await assert.rejects(
      updateInstall(request({publicKeyPem: keyPair().publicKeyPem})),
      /signature does not verify/,
    )
    assert.equal(current(), '1.0.0')
  })

  it('refuses a signed manifest without a SHA-256', async () => {
    publish('1.1.0', 'stable', (manifest) => delete manifest.sha256gz)
    await assert.rejects(updateInstall(request()), /carries no SHA-256/)
    assert.equal(current(), '1.0.0')
  })

  it('refuses a tarball whose SHA-256 does not match, and keeps the installed copy', async () => {
    const manifest = publish('1.1.0', 'stable')
    const file = path.join(hostDir, manifest.gz as string)
    const body = readFileSync(file)
    body[body.length - 10]! ^= 0xff
    writeFileSync(file, body)
    await assert.rejects(updateInstall(request()), /SHA-256 does not match the signed manifest/)
    assert.equal(current(), '1.0.0')
    assert.equal(existsSync(path.join(dataDir, 'client', '1.1.0')), false)
  })

  it('refuses a downgrade across channels without --force, and installs it with --force', async () => {
    publish('1.0.0', 'stable')
    const onBeta = request({current: {version: '1.1.0-beta.1', channel: 'beta'}})
    await assert.rejects(
      updateInstall(onBeta),
      /^Error: Refused to downgrade from 1\.1\.0-beta\.1 \(beta\) to 1\.0\.0 \(stable\); to install it anyway, run it again with --force\.$/,
    )
    assert.equal(current(), '1.0.0') // untouched (the fixture's current)
    assert.equal((await updateInstall({...onBeta, force: true})).kind, 'updated')
  })

  it('refuses a cleartext host that is not loopback, and a copy without a release key', async () => {
    await assert.rejects(updateInstall(request({host: 'http://releases.example.com'})), /is not https/)
    await assert.rejects(updateInstall(request({publicKeyPem: undefined})), /carries no release key/)
  })

  it('installs an exact version from its own manifest without changing the channel followed', async () => {
    publish('1.1.0', 'stable')
    publish('1.2.0', 'stable')
    const outcome = await updateInstall(request({version: '1.1.0'}))
    assert.equal(outcome.kind === 'updated' && outcome.to, '1.1.0')
    assert.equal(existsSync(path.join(dataDir, 'channel')), false)
  })

  it('lists the releases of the signed index, newest first', async () => {
    const index = {...target, versions: {'1.0.0': 'stable', '1.1.0-beta.1': 'beta', '1.1.0': 'stable'}}
    const bytes = Buffer.from(JSON.stringify(index))
    mkdirSync(path.join(hostDir, 'versions'), {recursive: true})
    writeFileSync(path.join(hostDir, versionIndexPath(target)), bytes)
    writeFileSync(path.join(hostDir, `${versionIndexPath(target)}.sig`), signDocument(bytes, privateKeyPem))
    assert.deepEqual(await availableReleases(request()), [
      {version: '1.1.0', channel: 'stable', newest: true},
      {version: '1.1.0-beta.1', channel: 'beta', newest: true},
      {version: '1.0.0', channel: 'stable', newest: false},
    ])
    writeFileSync(path.join(hostDir, versionIndexPath(target)), Buffer.concat([bytes, Buffer.from(' ')]))
    await assert.rejects(availableReleases(request()), /signature does not verify/)
  })
})
