import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {BIN} from '../../src/lib/product.ts'
import {makeSandbox, REPO} from '../support/cli.ts'
import {runInProcess} from '../support/in-process-cli.ts'

const sandbox = makeSandbox()
after(() => sandbox.cleanup())
const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  version: string
  bin: Record<string, string>
  oclif: {bin: string}
}
const {version} = pkg
const platform = `${process.platform}-${process.arch}`

describe('version', () => {
  it('names the product as package.json does (src/lib/product.ts)', () => {
    assert.deepEqual(Object.keys(pkg.bin), [BIN])
    assert.equal(pkg.oclif.bin, BIN)
  })

  it('prints the helper version, the Node.js running it and the platform on one line', async () => {
    const result = await runInProcess(['version'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(
      result.stdout,
      `docker-credential-atcr ${version} (node v${process.versions.node}; ${platform})\n`,
    )
  })

  it('--json gives {name, version, node, platform}', async () => {
    const result = await runInProcess(['version', '--json'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), {
      name: 'docker-credential-atcr',
      version,
      node: process.versions.node,
      platform,
    })
  })

  it('--version names the version, the Node.js version and the platform', async () => {
    const result = await runInProcess(['--version'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.ok(result.stdout.includes(version), result.stdout)
    assert.ok(result.stdout.includes(`v${process.versions.node}`), result.stdout)
    assert.ok(result.stdout.includes(platform), result.stdout)
  })

  // oclif answers --version itself (config.userAgent) before any command runs: bin/run.js routes it to `version`.
  it('--version prints exactly what `version` prints', async () => {
    const [long, command] = await Promise.all([
      runInProcess(['--version'], {env: sandbox.env}),
      runInProcess(['version'], {env: sandbox.env}),
    ])
    assert.equal(long.stdout, command.stdout)
  })
})
