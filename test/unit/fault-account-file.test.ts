/**
 * Faults found by the reliability suite (npm run test:faults) in the account store, each pinned here.
 */
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, test} from 'node:test'

import {AccountFileError, parseAccountFileBytes} from '../../src/lib/config/account-store.ts'
import {activeAccount} from '../../src/lib/config/registry-entries.ts'

const root = mkdtempSync(path.join(tmpdir(), 'atcr-fault-unit-'))
after(() => rmSync(root, {recursive: true, force: true}))

/** loadAccounts in a child process, so that a read that blocks cannot hang this test run. */
function loadInChild(dir: string): {status: number | null; output: string; timedOut: boolean} {
  const script = `
    import {accountFilePaths, loadAccounts} from ${JSON.stringify(path.resolve('src/lib/config/account-store.ts'))}
    try { loadAccounts(accountFilePaths({ATCR_CONFIG_DIR: ${JSON.stringify(dir)}}, '/nonexistent')); console.log('loaded') }
    catch (error) { console.log(error.name + ': ' + error.message) }`
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 5000,
  })
  return {
    status: result.status,
    output: result.stdout,
    timedOut: result.error !== undefined || result.signal !== null,
  }
}

test('a FIFO in place of the account file is an error, not a read that blocks forever', () => {
  const dir = path.join(root, 'fifo')
  mkdirSync(dir)
  execFileSync('mkfifo', [path.join(dir, 'device.json')])
  const result = loadInChild(dir)
  assert.equal(result.timedOut, false, 'loadAccounts blocked on the FIFO')
  assert.match(result.output, /^AccountFileError: .*device\.json: .*not a regular file/)
})

test('a symlink to /dev/zero is an error, not an endless read', () => {
  const dir = path.join(root, 'zero')
  mkdirSync(dir)
  symlinkSync('/dev/zero', path.join(dir, 'device.json'))
  const result = loadInChild(dir)
  assert.equal(result.timedOut, false, 'loadAccounts read /dev/zero without end')
  assert.match(result.output, /^AccountFileError: .*not a regular file/)
})

test('a syntax error near a secret does not quote the secret', () => {
  const secret = 'atcr_device_SECRETabcdef0123456789'
  // V8's message quotes about ten characters from the unexpected token: here, the secret itself.
  const bytes = Buffer.from(
    `{"version":2,"registries":{"https://atcr.io":{"accounts":{"a.test":{"handle":"a.test","device_secret":${secret.slice(12)}}}}}}`,
  )
  assert.throws(
    () => parseAccountFileBytes('/x/device.json', bytes),
    (error: unknown) => {
      assert.ok(error instanceof AccountFileError)
      assert.doesNotMatch(error.message, /SECRET|abcdef/, error.message)
      assert.match(error.message, /not valid JSON/)
      return true
    },
  )
})

test('an active name that is an Object.prototype member is no account', () => {
  for (const active of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
    assert.equal(activeAccount({active, accounts: {}}), undefined, active)
  }
})
