/**
 * Issue 11: local files that decide what code runs on `get`. plugins-on-get.json and its directory count
 * only when owned by the user and not writable by others; FIFOs and devices never block; a hook file
 * counts only inside the plugin's root, owned by the user and with the hash recorded at trust time.
 * "Another user" is uid 65534 (nobody), set with chown (the tests run as root).
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {
  hooksToTrust,
  readTrustedOnGet,
  trustHolds,
  type TrustedPlugin,
} from '../../src/lib/plugins/trusted-on-get.ts'
import {looseCodeFilesWarning} from '../../src/lib/trust/code-files.ts'

const root = mkdtempSync(path.join(tmpdir(), 'atcr-trust-rules-'))
after(() => rmSync(root, {recursive: true, force: true}))
const isRoot = process.getuid?.() === 0
const NOBODY = 65534

let counter = 0
function configDir(mode = 0o700): string {
  const dir = path.join(root, `config-${counter++}`)
  mkdirSync(dir)
  chmodSync(dir, mode)
  return dir
}
const settings = (hooks: object[] = []) =>
  JSON.stringify({version: 1, plugins: {'atcr-plugin-x': {version: '1.0.0', root: '/p', hooks}}})

function writeSettings(dir: string, mode = 0o600): string {
  const file = path.join(dir, 'plugins-on-get.json')
  writeFileSync(file, settings([{file: '/p/hooks/identity.js', export: 'default'}]))
  chmodSync(file, mode)
  return file
}

describe('plugins-on-get.json on get', () => {
  it("counts when private and the user's own", () => {
    const file = writeSettings(configDir())
    assert.deepEqual(Object.keys(readTrustedOnGet(file).plugins), ['atcr-plugin-x'])
  })

  it('is refused in a directory others can write (mode 0777), naming the chmod', () => {
    const dir = configDir(0o777)
    const file = writeSettings(dir)
    assert.throws(
      () => readTrustedOnGet(file),
      new RegExp(`writable by the group and others \\(mode 777\\).*chmod 700 '${dir}'`),
    )
  })

  it('is refused when the file is writable by the group', () => {
    const file = writeSettings(configDir(), 0o620)
    assert.throws(() => readTrustedOnGet(file), /writable by the group/)
  })

  it('is refused when another user wrote it', {skip: !isRoot && 'needs root to chown'}, () => {
    const file = writeSettings(configDir())
    chownSync(file, NOBODY, NOBODY)
    assert.throws(() => readTrustedOnGet(file), /owned by uid 65534/)
  })

  it('is refused when another user owns the directory', {skip: !isRoot && 'needs root to chown'}, () => {
    const dir = configDir()
    const file = writeSettings(dir)
    chownSync(dir, NOBODY, NOBODY)
    assert.throws(() => readTrustedOnGet(file), /owned by uid 65534/)
  })

  it('a FIFO in its place is refused at once, without blocking', () => {
    const file = path.join(configDir(), 'plugins-on-get.json')
    execFileSync('mkfifo', [file])
    const started = performance.now()
    assert.throws(() => readTrustedOnGet(file), /not a regular file/)
    assert.ok(performance.now() - started < 500)
  })

  it('a symlink to /dev/zero in its place is refused at once', () => {
    const file = path.join(configDir(), 'plugins-on-get.json')
    symlinkSync('/dev/zero', file)
    assert.throws(() => readTrustedOnGet(file), /symbolic link/)
  })

  it('ignores a plugin named __proto__', () => {
    const dir = configDir()
    const file = path.join(dir, 'plugins-on-get.json')
    writeFileSync(file, '{"version":1,"plugins":{"__proto__":{"version":"1","hooks":[]},"ok":{"hooks":[]}}}')
    const read = readTrustedOnGet(file)
    assert.deepEqual(Object.keys(read.plugins), ['ok'])
    assert.equal(Object.getPrototypeOf(read.plugins), Object.prototype)
  })

  it('people commands get one warning line with the exact chmod', () => {
    const dir = configDir(0o777)
    const file = writeSettings(dir, 0o666)
    assert.equal(
      looseCodeFilesWarning(dir, file),
      `Warning: ${dir} is writable by the group and others (mode 777); ${file} is writable by the group and others (mode 666): someone else could choose the code that runs on get, so plugins trusted on get are ignored. Fix it: chmod 700 '${dir}' && chmod 600 '${file}'`,
    )
    assert.equal(looseCodeFilesWarning(configDir(), path.join(root, 'none.json')), undefined)
  })
})

describe('trusted hook files', () => {
  function plugin(): {pluginRoot: string; hook: string; trusted: TrustedPlugin} {
    const pluginRoot = path.join(root, `plugin-${counter++}`)
    mkdirSync(path.join(pluginRoot, 'hooks'), {recursive: true})
    const hook = path.join(pluginRoot, 'hooks', 'identity.js')
    writeFileSync(hook, 'export default () => undefined\n')
    const sha256 = createHash('sha256').update('export default () => undefined\n').digest('hex')
    // The files under the root as plugins trust records them (issue 17: trust-covers-package.test.ts).
    const files = {'hooks/identity.js': sha256}
    return {
      pluginRoot,
      hook,
      trusted: {version: '1.0.0', root: pluginRoot, hooks: [{file: hook, export: 'default', sha256, files}]},
    }
  }
  const v1 = () => '1.0.0'

  it('hold while version and content are the trusted ones', () => {
    assert.deepEqual(trustHolds(plugin().trusted, v1), {holds: true, installed: '1.0.0'})
  })

  it('a hook rewritten in place no longer holds, and says so', () => {
    const {hook, trusted} = plugin()
    writeFileSync(hook, 'export default () => "mallory.test"\n')
    const result = trustHolds(trusted, v1)
    assert.equal(result.holds, false)
    assert.match(result.reason ?? '', /identity\.js changed since it was trusted/)
  })

  it('a hook that resolves outside the plugin root does not hold', () => {
    const {hook, trusted} = plugin()
    const elsewhere = path.join(root, `evil-${counter++}.js`)
    writeFileSync(elsewhere, 'export default () => undefined\n')
    rmSync(hook)
    symlinkSync(elsewhere, hook)
    const result = trustHolds(trusted, v1)
    assert.equal(result.holds, false)
    assert.match(result.reason ?? '', /does not resolve inside the plugin's root/)
  })

  it('a hook trusted without a hash (older trust) does not hold', () => {
    const {trusted} = plugin()
    delete trusted.hooks[0]!.sha256
    assert.match(trustHolds(trusted, v1).reason ?? '', /no content hash/)
  })

  it('a hook writable by others does not hold', () => {
    const {hook, trusted} = plugin()
    chmodSync(hook, 0o666)
    assert.match(trustHolds(trusted, v1).reason ?? '', /writable by the group and others/)
  })

  it('plugins trust records the hash, and refuses hooks outside the root or writable by others', () => {
    const {pluginRoot, hook, trusted} = plugin()
    assert.deepEqual(hooksToTrust(pluginRoot, [{file: hook, export: 'default'}]), trusted.hooks)
    assert.throws(
      () =>
        hooksToTrust(pluginRoot, [{file: path.join(pluginRoot, '..', 'elsewhere.js'), export: 'default'}]),
      /not a file inside the plugin's root/,
    )
    chmodSync(hook, 0o664)
    assert.throws(() => hooksToTrust(pluginRoot, [{file: hook, export: 'default'}]), /writable by the group/)
  })

  it('a hook owned by another user does not hold', {skip: !isRoot && 'needs root to chown'}, () => {
    const {hook, trusted} = plugin()
    chownSync(hook, NOBODY, NOBODY)
    assert.match(trustHolds(trusted, v1).reason ?? '', /owned by uid 65534/)
  })
})
