/**
 * `npm run release` refuses, before building anything, what would make a release no one can trust or use.
 * (The release itself is proven end to end by test/release/run.ts.)
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {generateKeyPairSync} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {REPO} from '../support/cli.ts'

const scratch = mkdtempSync(path.join(tmpdir(), 'atcr-release-script-'))

function release(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'release.ts'), ...args], {
    encoding: 'utf8',
    env: {...process.env, ATCR_RELEASE_KEY: '', ATCR_RELEASE_DIR: path.join(scratch, 'out'), ...env},
    timeout: 60_000,
  })
  return {code: result.status, stderr: result.stderr}
}

describe('npm run release refuses', () => {
  after(() => rmSync(scratch, {recursive: true, force: true}))

  it('to sign nothing: no key and no --unsigned', () => {
    const result = release(['--targets', 'linux-x64'])
    assert.equal(result.code, 1)
    assert.match(result.stderr, /^release: no signing key: set ATCR_RELEASE_KEY .* or pass --unsigned/m)
  })

  it('a private key kept inside the checkout', () => {
    const result = release([], {ATCR_RELEASE_KEY: path.join(REPO, 'release-key.pem')})
    assert.equal(result.code, 1)
    assert.match(result.stderr, /is inside the checkout: keep the private key outside the repository/)
  })

  it('a key that is not Ed25519', () => {
    const key = path.join(scratch, 'rsa.pem')
    const {privateKey} = generateKeyPairSync('rsa', {modulusLength: 1024})
    writeFileSync(key, privateKey.export({type: 'pkcs8', format: 'pem'}))
    const result = release([], {ATCR_RELEASE_KEY: key})
    assert.equal(result.code, 1)
    assert.match(result.stderr, /cannot use \$ATCR_RELEASE_KEY .*not an Ed25519 key/)
  })

  it('an unknown target, channel or version', () => {
    assert.match(
      release(['--unsigned', '--targets', 'linux-ia32']).stderr,
      /unknown target linux-ia32: use linux-x64,/,
    )
    assert.match(
      release(['--unsigned', '--channel', 'nightly']).stderr,
      /--channel nightly: use stable or beta/,
    )
    assert.match(
      release(['--unsigned', '--version', 'v1']).stderr,
      /--version v1 is not a version like 1\.2\.3/,
    )
  })
})
