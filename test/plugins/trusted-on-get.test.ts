import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {
  forgetUninstalledPlugins,
  identityHookModules,
  readTrustedOnGet,
  TrustedOnGetFileError,
  trustedOnGetFile,
  writeTrustedOnGet,
} from '../../src/lib/plugins/trusted-on-get.ts'

const directory = mkdtempSync(path.join(tmpdir(), 'atcr-trusted-'))
after(() => rmSync(directory, {recursive: true, force: true}))

describe('plugins-on-get.json', () => {
  it('is empty when absent', () => {
    assert.deepEqual(readTrustedOnGet(path.join(directory, 'missing.json')), {version: 1, plugins: {}})
  })

  it('round-trips, private to the user', () => {
    const file = trustedOnGetFile(path.join(directory, 'config'))
    const settings = {
      version: 1 as const,
      plugins: {p: {version: '1.0.0', hooks: [{file: '/abs/identity.js', export: 'default'}]}},
    }
    writeTrustedOnGet(file, settings)
    assert.deepEqual(readTrustedOnGet(file), settings)
    assert.equal(statSync(file).mode & 0o777, 0o600)
  })

  it('drops hook entries with relative paths, and rejects a damaged file', () => {
    const file = path.join(directory, 'odd.json')
    writeFileSync(
      file,
      JSON.stringify({version: 1, plugins: {p: {hooks: [{file: 'rel.js', export: 'default'}]}}}),
    )
    assert.deepEqual(readTrustedOnGet(file).plugins.p!.hooks, [])
    writeFileSync(file, '[]')
    assert.throws(() => readTrustedOnGet(file), TrustedOnGetFileError)
  })
})

describe('forgetUninstalledPlugins', () => {
  const hooks = [{file: '/abs/identity.js', export: 'default'}]

  it('keeps the plugins still installed, and removes the file when none is left', () => {
    const file = trustedOnGetFile(path.join(directory, 'pruned'))
    writeTrustedOnGet(file, {version: 1, plugins: {gone: {hooks}, kept: {hooks}}})
    assert.deepEqual(forgetUninstalledPlugins(file, ['kept', 'other']), ['gone'])
    assert.deepEqual(Object.keys(readTrustedOnGet(file).plugins), ['kept'])
    assert.deepEqual(forgetUninstalledPlugins(file, []), ['kept'])
    assert.equal(existsSync(file), false)
    assert.deepEqual(forgetUninstalledPlugins(file, []), [])
  })
})

describe('identityHookModules', () => {
  it("resolves the hook targets of a plugin's package.json against its root", () => {
    const exists = (file: string) => file === '/plugin/hooks/b.js'
    assert.deepEqual(
      identityHookModules(
        '/plugin',
        [{target: './hooks/a.js'}, {target: './hooks/b', identifier: 'named'}],
        exists,
      ),
      [
        {file: '/plugin/hooks/a.js', export: 'default'},
        {file: '/plugin/hooks/b.js', export: 'named'},
      ],
    )
  })
})
