import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'

import {
  appViewUrlFor,
  daemonConfigPaths,
  ipInCidr,
  isInsecureRegistry,
  isLoopbackHost,
  readInsecureRegistries,
} from '../../src/lib/registry/appview-url.ts'

const none = () => []

describe('appViewUrlFor', () => {
  it('uses https for public registries', () => {
    assert.equal(appViewUrlFor('atcr.io', {insecureRegistries: none}), 'https://atcr.io')
    assert.equal(appViewUrlFor('buoy.cr:8443', {insecureRegistries: none}), 'https://buoy.cr:8443')
  })

  it('uses http for loopback hosts', () => {
    for (const host of ['localhost:5000', '127.0.0.1:5000', '127.8.9.10', '[::1]:5000']) {
      assert.match(appViewUrlFor(host, {insecureRegistries: none}), /^http:\/\//, host)
    }
  })

  it('uses http for insecure registries by host, host:port and CIDR', () => {
    assert.equal(appViewUrlFor('reg.lan', {insecureRegistries: () => ['reg.lan']}), 'http://reg.lan')
    assert.equal(
      appViewUrlFor('reg.lan:5000', {insecureRegistries: () => ['reg.lan:5000']}),
      'http://reg.lan:5000',
    )
    assert.equal(
      appViewUrlFor('reg.lan:5000', {insecureRegistries: () => ['reg.lan']}),
      'http://reg.lan:5000',
    )
    assert.equal(
      appViewUrlFor('reg.lan:5000', {insecureRegistries: () => ['reg.lan:6000']}),
      'https://reg.lan:5000',
    )
    assert.equal(
      appViewUrlFor('10.1.2.3:5000', {insecureRegistries: () => ['10.0.0.0/8']}),
      'http://10.1.2.3:5000',
    )
    assert.equal(
      appViewUrlFor('11.1.2.3:5000', {insecureRegistries: () => ['10.0.0.0/8']}),
      'https://11.1.2.3:5000',
    )
  })

  it("lets an account's stored appview_url win", () => {
    assert.equal(
      appViewUrlFor('atcr.io', {insecureRegistries: none, accountAppViewUrl: 'https://appview.example/'}),
      'https://appview.example',
    )
  })

  it('does not read daemon.json for loopback hosts', () => {
    appViewUrlFor('localhost:5000', {
      insecureRegistries: () => {
        throw new Error('read daemon.json for a loopback host')
      },
    })
  })
})

describe('CIDR and loopback', () => {
  it('matches IPv4 and IPv6 blocks', () => {
    assert.ok(ipInCidr('192.168.1.7', '192.168.0.0/16'))
    assert.ok(!ipInCidr('192.169.1.7', '192.168.0.0/16'))
    assert.ok(ipInCidr('fd00::1', 'fd00::/8'))
    assert.ok(!ipInCidr('fe00::1', 'fd00::/8'))
    assert.ok(!ipInCidr('10.0.0.1', 'fd00::/8'))
    assert.ok(!ipInCidr('10.0.0.1', 'garbage'))
  })

  it('knows loopback', () => {
    assert.ok(isLoopbackHost('localhost'))
    assert.ok(isLoopbackHost('127.0.0.1'))
    assert.ok(isLoopbackHost('::1'))
    assert.ok(!isLoopbackHost('128.0.0.1'))
    assert.ok(!isLoopbackHost('atcr.io'))
  })

  it('ignores malformed entries', () => {
    assert.ok(!isInsecureRegistry('atcr.io', ['not a host', '300.1.1.1/99', '']))
  })
})

describe('readInsecureRegistries', () => {
  it('reads every daemon.json location and skips broken ones', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'atcr-daemon-'))
    const xdg = path.join(home, 'xdg')
    mkdirSync(path.join(xdg, 'docker'), {recursive: true})
    mkdirSync(path.join(home, '.docker'), {recursive: true})
    writeFileSync(
      path.join(xdg, 'docker', 'daemon.json'),
      JSON.stringify({'insecure-registries': ['rootless.lan:5000']}),
    )
    writeFileSync(path.join(home, '.docker', 'daemon.json'), '{not json')
    const files: Record<string, string> = {
      '/etc/docker/daemon.json': JSON.stringify({'insecure-registries': ['10.0.0.0/8', 'system.lan']}),
    }
    const entries = readInsecureRegistries({
      env: {XDG_CONFIG_HOME: xdg},
      homedir: home,
      platform: 'linux',
      readFile: (file) => files[file] ?? readFileSync(file, 'utf8'),
    })
    assert.deepEqual(entries.sort(), ['10.0.0.0/8', 'rootless.lan:5000', 'system.lan'])
  })

  it('lists Windows and Docker Desktop locations', () => {
    const paths = daemonConfigPaths({env: {ProgramData: 'D:\\PD'}, homedir: '/home/u', platform: 'win32'})
    assert.equal(paths[0], 'D:\\PD\\docker\\config\\daemon.json')
    assert.ok(paths.includes(path.join('/home/u', '.docker', 'daemon.json')))
    const linux = daemonConfigPaths({env: {}, homedir: '/home/u', platform: 'linux'})
    assert.deepEqual(linux, [
      '/home/u/.config/docker/daemon.json',
      '/home/u/.docker/daemon.json',
      '/etc/docker/daemon.json',
    ])
  })
})

describe('transport rule (issue 11)', () => {
  it('upgrades a non-loopback http appview_url to https unless the registry is insecure', () => {
    assert.equal(
      appViewUrlFor('atcr.io', {insecureRegistries: none, accountAppViewUrl: 'http://atcr.io'}),
      'https://atcr.io',
    )
    assert.equal(
      appViewUrlFor('cr.example:5000', {
        insecureRegistries: none,
        contributedAppViewUrl: 'http://av.example:8080/',
      }),
      'https://av.example:8080',
    )
    assert.equal(
      appViewUrlFor('reg.lan', {insecureRegistries: () => ['reg.lan'], accountAppViewUrl: 'http://reg.lan'}),
      'http://reg.lan',
    )
    assert.equal(
      appViewUrlFor('reg.lan', {
        insecureRegistries: () => ['10.0.0.0/8'],
        accountAppViewUrl: 'http://10.1.2.3:80',
      }),
      'http://10.1.2.3:80',
    )
    assert.equal(
      appViewUrlFor('atcr.io', {insecureRegistries: none, accountAppViewUrl: 'http://127.0.0.1:9999'}),
      'http://127.0.0.1:9999',
    )
  })

  it('tries https first only for non-loopback plain-http URLs', async () => {
    const {httpsFirstFor} = await import('../../src/lib/registry/appview-url.ts')
    assert.equal(httpsFirstFor('http://reg.lan'), true)
    assert.equal(httpsFirstFor('http://127.0.0.1:5000'), false)
    assert.equal(httpsFirstFor('http://localhost:5000'), false)
    assert.equal(httpsFirstFor('https://atcr.io'), false)
  })
})
