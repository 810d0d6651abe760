/**
 * The checks `update` makes before @oclif/plugin-update may install anything
 * (src/lib/update/verified-release.ts), against a real HTTP release host on 127.0.0.1 serving small
 * signed releases in oclif's layout: a signature that verifies with the copy's key, a SHA-256 present and
 * matching, the right platform and version, no cleartext host; and the loopback mirror
 * (src/lib/update/loopback-mirror.ts) serving plugin-update exactly the verified bytes. Installing,
 * downgrades and channels through the real command: test/release/self-update.release.ts.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {createHash, generateKeyPairSync} from 'node:crypto'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import type {Server} from 'node:http'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import {serveVerifiedRelease} from '../../src/lib/update/loopback-mirror.ts'
import {
  channelManifestPath,
  parseManifest,
  tarballPath,
  versionIndexPath,
  versionManifestPath,
} from '../../src/lib/update/release-manifest.ts'
import {installedFrom, releaseHost, releaseHostRefusal} from '../../src/lib/update/release-host.ts'
import {signDocument, verifyDocument} from '../../src/lib/update/signed-document.ts'
import {
  availableReleases,
  downloadRelease,
  fetchVerifiedManifest,
  type ReleaseRequest,
} from '../../src/lib/update/verified-release.ts'
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
    sha: 'abc1234',
    baseDir: BIN,
    sha256gz: 'a'.repeat(64),
  }
  const oclifFields = {gz: 'https://releases.example.com/x.tar.gz', node: {recommended: '24.0.0'}}
  it('accepts a complete manifest for this platform, with oclif fields besides', () => {
    assert.deepEqual(parseManifest({...good, ...oclifFields}, target), good)
  })
  it('refuses a manifest without a SHA-256', () => {
    assert.throws(() => parseManifest({...good, sha256gz: undefined}, target), /no SHA-256/)
    assert.throws(() => parseManifest({...good, sha256gz: 'abc'}, target), /no SHA-256/)
  })
  it('refuses a manifest signed for another platform or version', () => {
    assert.throws(() => parseManifest({...good, arch: 'arm64'}, target), /arch "arm64", not "x64"/)
    assert.throws(
      () => parseManifest({...good, platform: 'darwin'}, target),
      /platform "darwin", not "linux"/,
    )
    assert.throws(() => parseManifest(good, {...target, version: '2.0.0'}), /version "1.0.0", not "2.0.0"/)
  })
  it('refuses paths that leave the host or the client directory', () => {
    assert.throws(() => parseManifest({...good, sha: '../../x'}, target), /no commit sha/)
    assert.throws(() => parseManifest({...good, version: '../1.0.0'}, target), /no valid version/)
    assert.throws(() => parseManifest({...good, baseDir: '..'}, target), /unsafe directory/)
  })
})

describe('verified releases from a local release host', {timeout: 60_000}, () => {
  const {privateKeyPem, publicKeyPem} = keyPair()
  const SHA = 'abc1234'
  let root: string
  let hostDir: string
  let host: string
  let server: Server
  let scratch: string

  function writeSigned(key: string, document: unknown) {
    const bytes = Buffer.from(`${JSON.stringify(document, null, 2)}\n`)
    mkdirSync(path.dirname(path.join(hostDir, key)), {recursive: true})
    writeFileSync(path.join(hostDir, key), bytes)
    writeFileSync(path.join(hostDir, `${key}.sig`), signDocument(bytes, privateKeyPem))
  }

  /** A minimal release in oclif's layout: a tarball, its signed manifests, the signed index. */
  function publish(version: string, channel: string, change?: (manifest: Record<string, unknown>) => void) {
    const stage = path.join(root, `stage-${version}`, BIN)
    mkdirSync(path.join(stage, 'bin'), {recursive: true})
    writeFileSync(path.join(stage, 'package.json'), JSON.stringify({version}))
    writeFileSync(path.join(stage, 'bin', 'node'), '#!/bin/sh\n', {mode: 0o755})
    const gz = tarballPath(target, version, SHA)
    mkdirSync(path.dirname(path.join(hostDir, gz)), {recursive: true})
    execFileSync('tar', ['-czf', path.join(hostDir, gz), '-C', path.dirname(stage), BIN])
    const body = readFileSync(path.join(hostDir, gz))
    const manifest: Record<string, unknown> = {
      baseDir: BIN,
      gz: `https://releases.example.com/${gz}`,
      sha: SHA,
      sha256gz: createHash('sha256').update(body).digest('hex'),
      version,
      ...target,
    }
    change?.(manifest)
    writeSigned(versionManifestPath(target, version, SHA), manifest)
    writeSigned(channelManifestPath(target, channel), manifest)
    let index: Record<string, string>
    try {
      index = JSON.parse(readFileSync(path.join(hostDir, versionIndexPath(target)), 'utf8'))
    } catch {
      index = {}
    }
    writeSigned(versionIndexPath(target), {...index, [version]: `https://releases.example.com/${gz}`})
    return manifest
  }

  const request = (overrides: Partial<ReleaseRequest> = {}): ReleaseRequest => ({
    host,
    target,
    publicKeyPem,
    ...overrides,
  })

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
    scratch = mkdtempSync(path.join(root, 'scratch-'))
  })

  it('downloads the tarball of a verified manifest, and the mirror serves plugin-update exactly those bytes', async () => {
    const published = publish('1.1.0-beta.1', 'beta')
    const verified = await fetchVerifiedManifest({...request(), channel: 'beta'})
    assert.equal(verified.manifest.version, '1.1.0-beta.1')
    const tarballFile = await downloadRelease(request(), verified, scratch)
    const mirror = await serveVerifiedRelease({target, channel: 'beta', verified, tarballFile})
    try {
      const manifest = (await (
        await fetch(`${mirror.url}/${channelManifestPath(target, 'beta')}`)
      ).json()) as Record<string, unknown>
      assert.equal(manifest.sha256gz, published.sha256gz)
      assert.equal(manifest.gz, `${mirror.url}/${tarballPath(target, '1.1.0-beta.1', SHA)}`)
      const tarball = Buffer.from(await (await fetch(manifest.gz as string)).arrayBuffer())
      assert.deepEqual(tarball, readFileSync(path.join(hostDir, tarballPath(target, '1.1.0-beta.1', SHA))))
      assert.equal((await fetch(`${mirror.url}/${channelManifestPath(target, 'stable')}`)).status, 404)
      assert.equal((await fetch(`${mirror.url}/${versionIndexPath(target)}`)).status, 404)
    } finally {
      await mirror.close()
    }
  })

  it('for --version, the mirror serves the version index and the version manifest plugin-update asks for', async () => {
    publish('1.1.0', 'stable')
    const verified = await fetchVerifiedManifest({...request(), channel: 'stable', version: '1.1.0'})
    const tarballFile = await downloadRelease(request(), verified, scratch)
    const mirror = await serveVerifiedRelease({
      target,
      channel: 'stable',
      version: '1.1.0',
      verified,
      tarballFile,
    })
    try {
      const index = (await (await fetch(`${mirror.url}/${versionIndexPath(target)}`)).json()) as Record<
        string,
        string
      >
      assert.deepEqual(Object.keys(index), ['1.1.0'])
      const manifest = await fetch(`${mirror.url}/${versionManifestPath(target, '1.1.0', SHA)}`)
      assert.equal(manifest.status, 200)
      assert.equal((await fetch(`${mirror.url}/${channelManifestPath(target, 'stable')}`)).status, 404)
    } finally {
      await mirror.close()
    }
  })

  it('reads the newest release of a channel', async () => {
    publish('1.0.0', 'stable')
    publish('1.1.0', 'stable')
    assert.equal((await fetchVerifiedManifest({...request(), channel: 'stable'})).manifest.version, '1.1.0')
  })

  it('refuses an unsigned manifest', async () => {
    publish('1.1.0', 'stable')
    rmSync(path.join(hostDir, `${channelManifestPath(target, 'stable')}.sig`))
    await assert.rejects(
      fetchVerifiedManifest({...request(), channel: 'stable'}),
      /Refused the stable manifest: it is not signed/,
    )
  })

  it('refuses a manifest whose signature does not verify (tampered, or another key)', async () => {
    publish('1.1.0', 'stable')
    const file = path.join(hostDir, channelManifestPath(target, 'stable'))
    writeFileSync(file, readFileSync(file, 'utf8').replace('"1.1.0"', '"1.1.1"'))
    await assert.rejects(
      fetchVerifiedManifest({...request(), channel: 'stable'}),
      /signature does not verify/,
    )
    publish('1.1.0', 'stable')
    await assert.rejects(
      fetchVerifiedManifest({...request({publicKeyPem: keyPair().publicKeyPem}), channel: 'stable'}),
      /signature does not verify/,
    )
  })

  it('refuses a signed manifest without a SHA-256', async () => {
    publish('1.1.0', 'stable', (manifest) => delete manifest.sha256gz)
    await assert.rejects(fetchVerifiedManifest({...request(), channel: 'stable'}), /carries no SHA-256/)
  })

  it('refuses a tarball whose SHA-256 does not match', async () => {
    publish('1.1.0', 'stable')
    const file = path.join(hostDir, tarballPath(target, '1.1.0', SHA))
    const verified = await fetchVerifiedManifest({...request(), channel: 'stable'})
    const body = readFileSync(file)
    body[body.length - 10]! ^= 0xff
    writeFileSync(file, body)
    await assert.rejects(
      downloadRelease(request(), verified, scratch),
      /SHA-256 does not match the signed manifest/,
    )
  })

  it('refuses a manifest signed for another platform in its place', async () => {
    publish('1.1.0', 'stable', (manifest) => (manifest.arch = 'arm64'))
    await assert.rejects(fetchVerifiedManifest({...request(), channel: 'stable'}), /arch "arm64", not "x64"/)
  })

  it('refuses a cleartext host that is not loopback, and a copy without a release key', async () => {
    await assert.rejects(
      fetchVerifiedManifest({...request({host: 'http://releases.example.com'}), channel: 'stable'}),
      /is not https/,
    )
    await assert.rejects(
      fetchVerifiedManifest({...request({publicKeyPem: undefined}), channel: 'stable'}),
      /carries no release key/,
    )
  })

  it('reads an exact version from its own manifest, and names --available for one that does not exist', async () => {
    publish('1.1.0', 'stable')
    publish('1.2.0', 'stable')
    const verified = await fetchVerifiedManifest({...request(), channel: 'stable', version: '1.1.0'})
    assert.equal(verified.manifest.version, '1.1.0')
    await assert.rejects(
      fetchVerifiedManifest({...request(), channel: 'stable', version: '9.9.9'}),
      /^UpdateRefused: No release 9\.9\.9; see `update --available`\.$/,
    )
  })

  it('lists the releases of the signed index, newest first', async () => {
    publish('1.0.0', 'stable')
    publish('1.1.0-beta.1', 'beta')
    publish('1.1.0', 'stable')
    assert.deepEqual(await availableReleases(request()), [
      {version: '1.1.0', channel: 'stable', newest: true},
      {version: '1.1.0-beta.1', channel: 'beta', newest: true},
      {version: '1.0.0', channel: 'stable', newest: false},
    ])
    const file = path.join(hostDir, versionIndexPath(target))
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from(' ')]))
    await assert.rejects(availableReleases(request()), /signature does not verify/)
  })
})
