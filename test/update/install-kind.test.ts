import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {
  channelOfVersion,
  detectInstallKind,
  distTagFor,
  npmUpdateCommand,
  RELEASE_LAUNCHER_MARKER,
  runsItsOwnNode,
  updateCommandFor,
} from '../../src/lib/update/install-kind.ts'
import {REPO} from '../support/cli.ts'

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
    assert.equal(
      updateCommandFor('npm', {...facts, channel: 'stable', npmPrefix: '/opt/npm', platform: 'linux'}),
      "npm i -g --prefix '/opt/npm' docker-credential-atcr@latest",
    )
  })

  it('reads the channel off a prerelease version', () => {
    assert.equal(channelOfVersion('1.2.0'), 'stable')
    assert.equal(channelOfVersion('1.3.0-beta.4'), 'beta')
  })
})

describe('runsItsOwnNode', () => {
  it('recognises the launchers of a release, which need no Node.js on PATH', () => {
    // The launcher install.sh writes into PREFIX/bin (its LAUNCHER here-document).
    const installSh = readFileSync(path.join(REPO, 'scripts', 'release', 'install.sh'), 'utf8')
    const launcher = /<<LAUNCHER\n([\s\S]*?)\nLAUNCHER\n/
      .exec(installSh)![1]!
      .replace('@@LAUNCHER_MARKER@@', RELEASE_LAUNCHER_MARKER)
    assert.equal(runsItsOwnNode(launcher), true)
    assert.equal(
      runsItsOwnNode(`#!/bin/sh\n${RELEASE_LAUNCHER_MARKER}\nexec '/x/node' '/x/run.js' "$@"\n`),
      true,
    )
  })
  it('does not recognise an npm shim, a node shebang or the marker out of place', () => {
    assert.equal(runsItsOwnNode('#!/usr/bin/env node\nimport "./run.js"\n'), false)
    assert.equal(
      runsItsOwnNode('#!/bin/sh\nbasedir=$(dirname "$0")\nexec node "$basedir/run.js" "$@"\n'),
      false,
    )
    assert.equal(runsItsOwnNode(`${RELEASE_LAUNCHER_MARKER}\n`), false)
    assert.equal(runsItsOwnNode(`#!/bin/sh\n\n\n\n${RELEASE_LAUNCHER_MARKER}\n`), false)
  })
})
