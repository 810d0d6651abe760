/**
 * Secrets at rest (issue 6): a people command warns once on stderr, with the exact chmod, when the
 * account file or its directory is group- or world-accessible; a protocol command never does.
 * Spawns the built CLI (run `npm run build` first).
 */
import assert from 'node:assert/strict'
import {chmodSync} from 'node:fs'
import {afterEach, beforeEach, describe, it} from 'node:test'

import {looseModes, looseModeWarning} from '../../src/lib/config/file-modes.ts'
import {makeSandbox, runCli, type Sandbox} from '../support/cli.ts'
import {runInProcess} from '../support/in-process-cli.ts'

const SECRET = 'atcr_device_modewarningtest0123456789'

describe('warning about a readable account file', {timeout: 60_000}, () => {
  let sandbox: Sandbox
  beforeEach(() => {
    sandbox = makeSandbox()
    sandbox.writeAccounts({
      version: 2,
      registries: {
        'http://localhost:5000': {
          active: 'alice.test',
          accounts: {'alice.test': {handle: 'alice.test', did: '', device_secret: SECRET}},
        },
      },
    })
    chmodSync(sandbox.configDir, 0o700)
    chmodSync(sandbox.accountFile, 0o600)
  })
  afterEach(() => sandbox.cleanup())

  const warnings = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('Warning: '))

  it('says nothing for 0600/0700', async () => {
    const result = await runInProcess(['status', '--offline'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(warnings(result.stderr), [])
  })

  it('warns once, with the chmod, for a 0644 file on a people command', async () => {
    chmodSync(sandbox.accountFile, 0o644)
    const result = await runInProcess(['status', '--offline'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    const lines = warnings(result.stderr)
    assert.equal(lines.length, 1, result.stderr)
    assert.match(lines[0]!, /mode 644/)
    assert.ok(lines[0]!.includes(`chmod 600 '${sandbox.accountFile}'`), lines[0])
    assert.ok(!lines[0]!.includes('chmod 700'), 'the directory is fine')
    assert.ok(!result.stderr.includes(SECRET))
  })

  it('warns about a 0755 directory and a 0640 file in one line, also with --json', async () => {
    chmodSync(sandbox.configDir, 0o755)
    chmodSync(sandbox.accountFile, 0o640)
    const result = await runInProcess(['status', '--offline', '--json'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    JSON.parse(result.stdout) // stdout stays clean JSON
    const lines = warnings(result.stderr)
    assert.equal(lines.length, 1, result.stderr)
    assert.ok(
      lines[0]!.includes(`chmod 700 '${sandbox.configDir}' && chmod 600 '${sandbox.accountFile}'`),
      lines[0],
    )
  })

  it('never warns on a protocol command', async () => {
    chmodSync(sandbox.configDir, 0o777)
    chmodSync(sandbox.accountFile, 0o666)
    for (const [verb, input] of [
      ['get', 'localhost:5000'],
      ['list', ''],
    ] as const) {
      const result = await runCli([verb], {env: sandbox.env, input})
      assert.equal(result.code, 0, `${verb}: ${result.stderr}`)
      assert.equal(result.stderr, '', `${verb} printed on stderr`)
    }
  })
})

describe('looseModes', () => {
  const paths = {directory: '/d', file: '/d/device.json'}
  const statOf = (modes: Record<string, number>) => (file: string) => {
    if (!(file in modes)) throw Object.assign(new Error('ENOENT'), {code: 'ENOENT'})
    return {mode: 0o100000 | modes[file]!}
  }
  it('ignores missing files and private modes', () => {
    assert.deepEqual(looseModes(paths, statOf({})), [])
    assert.deepEqual(looseModes(paths, statOf({'/d': 0o700, '/d/device.json': 0o600})), [])
    assert.deepEqual(looseModes(paths, statOf({'/d': 0o700, '/d/device.json': 0o400})), [])
    assert.equal(looseModeWarning([]), undefined)
  })
  it('flags any group or other bit', () => {
    for (const mode of [0o604, 0o620, 0o601, 0o660]) {
      const loose = looseModes(paths, statOf({'/d': 0o700, '/d/device.json': mode}))
      assert.deepEqual(loose, [{path: '/d/device.json', mode, wanted: 0o600}])
    }
    assert.deepEqual(looseModes(paths, statOf({'/d': 0o711})), [{path: '/d', mode: 0o711, wanted: 0o700}])
  })
})
