/**
 * Issue 17: plugin trust covered only the hook's entry file. A module the trusted hook imports was
 * world-writable; another user rewrote it, and it ran inside `get`. Trust now covers every file under the
 * plugin's root (what its hooks can load), each file and directory under the owner/mode rule, and the set
 * of files itself: a file added, removed, changed or loosened after `plugins trust` ends the trust.
 */
import assert from 'node:assert/strict'
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {hooksToTrust, trustHolds, type TrustedPlugin} from '../../src/lib/plugins/trusted-on-get.ts'

const root = mkdtempSync(path.join(tmpdir(), 'atcr-trust-package-'))
after(() => rmSync(root, {recursive: true, force: true}))
const isRoot = process.getuid?.() === 0
const v1 = () => '1.0.0'
let counter = 0

/** A plugin whose hook imports ./lib/pick.js, which imports ../data/names.json; trusted as it is now. */
function trustedPlugin(): {pluginRoot: string; imported: string; trusted: TrustedPlugin} {
  const pluginRoot = path.join(root, `plugin-${counter++}`)
  mkdirSync(path.join(pluginRoot, 'hooks'), {recursive: true})
  mkdirSync(path.join(pluginRoot, 'lib'))
  mkdirSync(path.join(pluginRoot, 'data'))
  writeFileSync(path.join(pluginRoot, 'package.json'), '{"name": "atcr-plugin-x", "version": "1.0.0"}\n')
  writeFileSync(path.join(pluginRoot, 'data', 'names.json'), '["bob.test"]\n')
  const imported = path.join(pluginRoot, 'lib', 'pick.js')
  writeFileSync(imported, 'export const pick = () => undefined\n')
  const hook = path.join(pluginRoot, 'hooks', 'identity.js')
  writeFileSync(hook, "import {pick} from '../lib/pick.js'\nexport default () => pick()\n")
  return {
    pluginRoot,
    imported,
    trusted: {
      version: '1.0.0',
      root: pluginRoot,
      hooks: hooksToTrust(pluginRoot, [{file: hook, export: 'default'}]),
    },
  }
}

describe('trust covers every file under the plugin root', () => {
  it('holds while nothing under the root changed', () => {
    assert.deepEqual(trustHolds(trustedPlugin().trusted, v1), {holds: true, installed: '1.0.0'})
  })

  it('an imported module rewritten after trust: does not hold, and names it', () => {
    const {imported, trusted} = trustedPlugin()
    writeFileSync(imported, 'export const pick = () => "mallory.test"\n')
    const result = trustHolds(trusted, v1)
    assert.equal(result.holds, false)
    assert.match(result.reason ?? '', /lib\/pick\.js changed since it was trusted/)
  })

  it('a data file the code reads, changed: does not hold', () => {
    const {pluginRoot, trusted} = trustedPlugin()
    writeFileSync(path.join(pluginRoot, 'data', 'names.json'), '["mallory.test"]\n')
    assert.match(trustHolds(trusted, v1).reason ?? '', /data\/names\.json changed since it was trusted/)
  })

  it('an imported module writable by others: does not hold, even unchanged', () => {
    const {imported, trusted} = trustedPlugin()
    chmodSync(imported, 0o666)
    assert.match(trustHolds(trusted, v1).reason ?? '', /pick\.js is writable by the group and others/)
  })

  it('a directory under the root writable by others: does not hold', () => {
    const {pluginRoot, trusted} = trustedPlugin()
    chmodSync(path.join(pluginRoot, 'lib'), 0o777)
    assert.match(trustHolds(trusted, v1).reason ?? '', /lib is writable by the group and others/)
  })

  it('the root itself writable by others: does not hold', () => {
    const {pluginRoot, trusted} = trustedPlugin()
    chmodSync(pluginRoot, 0o757)
    assert.match(trustHolds(trusted, v1).reason ?? '', /writable by others/)
  })

  it('a file added or removed under the root: does not hold', () => {
    const added = trustedPlugin()
    writeFileSync(path.join(added.pluginRoot, 'lib', 'extra.js'), 'export {}\n')
    assert.match(trustHolds(added.trusted, v1).reason ?? '', /lib\/extra\.js was added since it was trusted/)
    const removed = trustedPlugin()
    rmSync(path.join(removed.pluginRoot, 'data', 'names.json'))
    assert.match(
      trustHolds(removed.trusted, v1).reason ?? '',
      /data\/names\.json was removed since it was trusted/,
    )
  })

  it('a module owned by another user: does not hold', {skip: !isRoot && 'needs root to chown'}, () => {
    const {imported, trusted} = trustedPlugin()
    chownSync(imported, 65534, 65534)
    assert.match(trustHolds(trusted, v1).reason ?? '', /pick\.js is owned by uid 65534/)
  })

  it('plugins trust refuses a root with a link to code outside it, or a loose module', () => {
    const outside = path.join(root, `outside-${counter++}.js`)
    writeFileSync(outside, 'export const pick = () => "mallory.test"\n')
    const linked = trustedPlugin()
    rmSync(linked.imported)
    symlinkSync(outside, linked.imported)
    const hook = path.join(linked.pluginRoot, 'hooks', 'identity.js')
    assert.throws(
      () => hooksToTrust(linked.pluginRoot, [{file: hook, export: 'default'}]),
      /pick\.js links outside/,
    )
    assert.match(trustHolds(linked.trusted, v1).reason ?? '', /pick\.js links outside/)

    const loose = trustedPlugin()
    chmodSync(loose.imported, 0o646)
    assert.throws(
      () =>
        hooksToTrust(loose.pluginRoot, [
          {file: path.join(loose.pluginRoot, 'hooks', 'identity.js'), export: 'default'},
        ]),
      /pick\.js is writable by others/,
    )
  })

  it('a link inside the root to a file inside it is covered, by where it points', () => {
    const {pluginRoot, trusted} = trustedPlugin()
    // Trusted without the link; a link added later is a change.
    symlinkSync('pick.js', path.join(pluginRoot, 'lib', 'alias.js'))
    assert.match(trustHolds(trusted, v1).reason ?? '', /lib\/alias\.js was added/)
    const hook = path.join(pluginRoot, 'hooks', 'identity.js')
    const again: TrustedPlugin = {
      version: '1.0.0',
      root: pluginRoot,
      hooks: hooksToTrust(pluginRoot, [{file: hook, export: 'default'}]),
    }
    assert.equal(trustHolds(again, v1).holds, true)
    rmSync(path.join(pluginRoot, 'lib', 'alias.js'))
    symlinkSync('../data/names.json', path.join(pluginRoot, 'lib', 'alias.js'))
    assert.match(trustHolds(again, v1).reason ?? '', /lib\/alias\.js changed since it was trusted/)
  })

  it('an entry trusted before trust covered the package (hook hash only) does not hold', () => {
    const {trusted} = trustedPlugin()
    const old = JSON.parse(JSON.stringify(trusted)) as TrustedPlugin
    for (const hook of old.hooks) delete (hook as {files?: unknown}).files
    assert.match(trustHolds(old, v1).reason ?? '', /trusted by an older version/)
    // The hook's own hash is still recorded, as before.
    assert.match(readFileSync(old.hooks[0]!.file, 'utf8'), /pick/)
    assert.match(old.hooks[0]!.sha256 ?? '', /^[0-9a-f]{64}$/)
  })
})
