/**
 * Faults found by the reliability suite (npm run test:faults) in the protocol verbs, each pinned here.
 */
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, test} from 'node:test'

import {accountFilePaths} from '../../src/lib/config/account-store.ts'
import {ProtocolInputError, type ProtocolContext, storeCredentials} from '../../src/lib/protocol/verbs.ts'

const root = mkdtempSync(path.join(tmpdir(), 'atcr-fault-protocol-'))
after(() => rmSync(root, {recursive: true, force: true}))

function context(name: string): ProtocolContext {
  return {
    paths: accountFilePaths({ATCR_CONFIG_DIR: path.join(root, name)}, '/nonexistent'),
    env: {},
    parentPid: 1,
    processTable: {commandLine: () => undefined, parentPid: () => undefined},
    insecureRegistries: () => [],
    note: () => {},
    explain: () => {},
  } as unknown as ProtocolContext
}

const SECRET = 'atcr_device_0123456789abcdef0123'

for (const username of ['__proto__', '../../etc/passwd', 'bob.test\u0000x', 'a b.test', 'did:plc:abc123']) {
  test(`store refuses the user name ${JSON.stringify(username)} instead of saving it (or losing it)`, () => {
    const ctx = context(`user-${username.length}-${username.charCodeAt(0)}`)
    const input = JSON.stringify({ServerURL: 'localhost:5000', Username: username, Secret: SECRET})
    assert.throws(() => storeCredentials(input, ctx), ProtocolInputError)
    assert.equal(existsSync(ctx.paths.file), false, 'nothing may be written')
  })
}

test('store still takes an ordinary handle', () => {
  const ctx = context('ordinary')
  const input = JSON.stringify({ServerURL: 'localhost:5000', Username: 'Alice.Bsky.Social', Secret: SECRET})
  assert.deepEqual(storeCredentials(input, ctx), {stdout: '', exitCode: 0})
})

/** Whether a message holds any 6-character piece of a secret (the fixed atcr_device_ prefix aside). */
function echoes(message: string, secret: string): boolean {
  const body = secret.replace(/^atcr_device_/, '')
  for (let at = 0; at + 6 <= body.length; at++) if (message.includes(body.slice(at, at + 6))) return true
  return false
}

for (const secret of ['hunter2password', '0123456789abcdef0123']) {
  test(`malformed store JSON does not echo the secret it carries (${secret.slice(0, 6)}…)`, () => {
    for (const input of [
      `{"Secret":${secret}}`,
      `{"ServerURL":"localhost:5000","Username":"bob.test","Secret":${secret}}`,
    ]) {
      assert.throws(
        () => storeCredentials(input, context('json')),
        (error: unknown) => {
          assert.ok(error instanceof ProtocolInputError)
          assert.ok(!echoes(error.message, secret), error.message)
          assert.match(error.message, /not valid JSON/)
          return true
        },
      )
    }
  })
}
