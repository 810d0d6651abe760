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
  test(`store refuses the user name ${JSON.stringify(username)} instead of saving it (or losing it)`, async () => {
    const ctx = context(`user-${username.length}-${username.charCodeAt(0)}`)
    const input = JSON.stringify({ServerURL: 'localhost:5000', Username: username, Secret: SECRET})
    await assert.rejects(storeCredentials(input, ctx), ProtocolInputError)
    assert.equal(existsSync(ctx.paths.file), false, 'nothing may be written')
  })
}

test('store still takes an ordinary handle', async () => {
  const ctx = context('ordinary')
  const input = JSON.stringify({ServerURL: 'localhost:5000', Username: 'Alice.Bsky.Social', Secret: SECRET})
  assert.deepEqual(await storeCredentials(input, ctx), {stdout: '', exitCode: 0})
})

/** Whether a message holds any 6-character piece of a secret (the fixed atcr_device_ prefix aside). */
function echoes(message: string, secret: string): boolean {
  const body = secret.replace(/^atcr_device_/, '')
  for (let at = 0; at + 6 <= body.length; at++) if (message.includes(body.slice(at, at + 6))) return true
  return false
}

for (const secret of ['hunter2password', '0123456789abcdef0123']) {
  test(`malformed store JSON does not echo the secret it carries (${secret.slice(0, 6)}…)`, async () => {
    for (const input of [
      `{"Secret":${secret}}`,
      `{"ServerURL":"localhost:5000","Username":"bob.test","Secret":${secret}}`,
    ]) {
      await assert.rejects(storeCredentials(input, context('json')), (error: unknown) => {
        assert.ok(error instanceof ProtocolInputError)
        assert.ok(!echoes(error.message, secret), error.message)
        assert.match(error.message, /not valid JSON/)
        return true
      })
    }
  })
}

/** Run one verb in-process with `input` on stdin; everything it wrote, stdout and stderr. */
async function runVerb(verb: 'get' | 'store' | 'erase', input: string, env: NodeJS.ProcessEnv = {}) {
  const {Readable} = await import('node:stream')
  const {runProtocolVerb} = await import('../../src/lib/protocol/run-protocol-verb.ts')
  const written: string[] = []
  const code = await runProtocolVerb(verb, {
    stdin: Readable.from([Buffer.from(input)]),
    stdout: {write: (text: string) => written.push(text)},
    stderr: {write: (text: string) => written.push(text)},
    env: {ATCR_CONFIG_DIR: path.join(root, 'redact'), ATCR_SESSION_CHECK: '0', ATCR_DEBUG: '1', ...env},
    homedir: '/nonexistent',
    parentPid: 1,
    platform: process.platform,
  })
  return {code, output: written.join('')}
}

const PASTED = 'atcr_device_Zq8pQ7x9Wv3kLm'

for (const username of [
  `alice.bsky.social:${PASTED}`,
  `"${PASTED}`,
  `x ${PASTED} y`,
  `${PASTED.toUpperCase()}`,
]) {
  test(`store redacts a device secret inside the user name ${JSON.stringify(username.slice(0, 20))}…`, async () => {
    const input = JSON.stringify({ServerURL: 'atcr.io', Username: username, Secret: 'atcr_device_other0'})
    const {code, output} = await runVerb('store', input)
    assert.equal(code, 1)
    assert.match(output, /^store: the user name must be the account's handle/)
    assert.ok(!echoes(output.toLowerCase(), PASTED.toLowerCase()), output)
  })
}

for (const serverUrl of [
  `https://alice:${PASTED}@atcr.io`,
  `alice.bsky.social:${PASTED}@atcr.io`,
  'https://alice:hunter2password@atcr.io/v2/',
]) {
  test(`store and get redact user info in the server address ${serverUrl.slice(0, 14)}…`, async () => {
    const secret = serverUrl.includes('hunter2') ? 'hunter2password' : PASTED
    const store = await runVerb(
      'store',
      JSON.stringify({ServerURL: serverUrl, Username: 'alice.bsky.social', Secret: 'atcr_device_ok1'}),
    )
    const get = await runVerb('get', serverUrl)
    for (const {code, output} of [store, get]) {
      assert.equal(code, 1)
      assert.match(output, /^invalid registry server address: .*contains a user name\n$/)
      assert.ok(!echoes(output, secret), output)
    }
  })
}

test('a device secret set as ATCR_ACCOUNT is not repeated', async () => {
  const {mkdirSync, writeFileSync} = await import('node:fs')
  const directory = path.join(root, 'redact')
  mkdirSync(directory, {recursive: true, mode: 0o700})
  const alice = {handle: 'alice.test', did: '', device_secret: 'atcr_device_alice0'}
  writeFileSync(
    path.join(directory, 'device.json'),
    JSON.stringify({
      version: 2,
      registries: {'https://atcr.io': {active: 'alice.test', accounts: {'alice.test': alice}}},
    }),
    {mode: 0o600},
  )
  const {code, output} = await runVerb('get', 'atcr.io', {ATCR_ACCOUNT: PASTED})
  assert.equal(code, 1)
  assert.match(output, /ATCR_ACCOUNT=atcr_device_… names no account on any registry/)
  assert.ok(!echoes(output, PASTED), output)
})
