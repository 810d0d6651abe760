import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  channelOfVersion,
  detectInstallKind,
  distTagFor,
  npmUpdateCommand,
  updateCommandFor,
} from '../../src/lib/update/install-kind.ts'

describe('detectInstallKind', () => {
  it('is a tarball install when the launcher set the bin path', () => {
    assert.equal(
      detectInstallKind({binPath: '/home/a/.local/share/atcr/client/bin/x', root: '/opt/x/node_modules/y'}),
      'tarball',
    )
  })

  it('is an npm install when the package lives in a node_modules directory', () => {
    assert.equal(detectInstallKind({root: '/usr/lib/node_modules/docker-credential-atcr'}), 'npm')
    assert.equal(
      detectInstallKind({root: '/home/a/.nvm/versions/node/v24/lib/node_modules/docker-credential-atcr'}),
      'npm',
    )
  })

  it('is a source checkout otherwise', () => {
    assert.equal(detectInstallKind({root: '/home/a/src/docker-credential-atcr'}), 'source')
  })
})

describe('channels and npm', () => {
  it('maps stable to the latest dist-tag and beta to beta', () => {
    assert.equal(distTagFor('stable'), 'latest')
    assert.equal(distTagFor('beta'), 'beta')
    assert.equal(
      npmUpdateCommand('docker-credential-atcr', 'stable'),
      'npm i -g docker-credential-atcr@latest',
    )
    assert.equal(npmUpdateCommand('docker-credential-atcr', 'beta'), 'npm i -g docker-credential-atcr@beta')
  })

  it('names the update command for each install kind', () => {
    const facts = {bin: 'docker-credential-atcr', packageName: 'docker-credential-atcr'}
    assert.equal(updateCommandFor('tarball', {...facts, channel: 'stable'}), 'docker-credential-atcr update')
    assert.equal(
      updateCommandFor('tarball', {...facts, channel: 'beta'}),
      'docker-credential-atcr update beta',
    )
    assert.equal(updateCommandFor('npm', {...facts, channel: 'beta'}), 'npm i -g docker-credential-atcr@beta')
  })

  it('reads the channel off a prerelease version', () => {
    assert.equal(channelOfVersion('1.2.0'), 'stable')
    assert.equal(channelOfVersion('1.3.0-beta.4'), 'beta')
  })
})
