/**
 * Issue 17: one rule for a device secret the helper keeps, from `store` and from the device flow alike.
 * The device flow saved whatever `device_secret` the AppView sent (no prefix or character check, which
 * also weakened redaction, keyed on the prefix); `store` of something that is not a device secret
 * exited 0 having kept nothing, so `docker login` reported success.
 */
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {AccountsError} from '../../src/lib/accounts/accounts-error.ts'
import {saveLoginAccount} from '../../src/lib/accounts/login-account.ts'
import {accountFilePaths} from '../../src/lib/config/account-store.ts'
import {deviceSecretProblem} from '../../src/lib/device-secret.ts'
import {type ProtocolContext, ProtocolInputError, storeCredentials} from '../../src/lib/protocol/verbs.ts'
import {accountFile, memoryStore, recordingClient} from './account-fakes.ts'

const root = mkdtempSync(path.join(tmpdir(), 'atcr-device-secret-'))
after(() => rmSync(root, {recursive: true, force: true}))
let counter = 0

function context(notes: string[] = []): ProtocolContext {
  return {
    paths: accountFilePaths({ATCR_CONFIG_DIR: path.join(root, `c${counter++}`)}, '/nonexistent'),
    env: {},
    parentPid: 1,
    processTable: {commandLine: () => undefined, parentPid: () => undefined},
    insecureRegistries: () => [],
    note: (line: string) => notes.push(line),
    explain: () => {},
  } as unknown as ProtocolContext
}

const BODY = '0123456789abcdefABCDEF_-xyz'
/** Not device secrets: each is refused by store and by the device flow, with nothing saved. */
const NOT_SECRETS: [string, string][] = [
  ['an app password', 'abcd-efgh-ijkl-mnop'],
  ['a bad prefix', `atcr_token_${BODY}`],
  ['the prefix in capitals', `ATCR_DEVICE_${BODY}`],
  ['the prefix alone', 'atcr_device_'],
  ['an empty secret', ''],
  ['an escape sequence', `atcr_device_${BODY}\u001b]52;c;ZXZpbA==\u0007`],
  ['a newline', `atcr_device_${BODY}\nx`],
  ['a space', `atcr_device_${BODY} x`],
  ['NUL', `atcr_device_${BODY}\u0000`],
  ['DEL', `atcr_device_${BODY}\u007f`],
  ['a C1 control (CSI)', `atcr_device_${BODY}\u009b2J`],
  ['a line separator', `atcr_device_${BODY}\u2028`],
  ['far too long', `atcr_device_${'a'.repeat(5000)}`],
]

describe('deviceSecretProblem: the one rule', () => {
  it('takes a device secret as the AppView issues them', () => {
    assert.equal(deviceSecretProblem(`atcr_device_${BODY}`), undefined)
    assert.equal(deviceSecretProblem('atcr_device_<x>'), undefined)
  })
  for (const [what, secret] of NOT_SECRETS)
    it(`refuses ${what}, without echoing it`, () => {
      const problem = deviceSecretProblem(secret)
      assert.ok(problem, 'accepted')
      if (secret.length > 'atcr_device_'.length) assert.ok(!problem.includes(secret.slice(12, 20)))
    })
})

describe('store of something that is not a device secret', () => {
  for (const [what, secret] of NOT_SECRETS)
    it(`${what}: exit 1 with one line saying why, nothing saved`, async () => {
      const ctx = context()
      const input = JSON.stringify({ServerURL: 'atcr.io', Username: 'alice.test', Secret: secret})
      let line: string
      try {
        const result = await storeCredentials(input, ctx)
        assert.equal(result.exitCode, 1, `exit ${result.exitCode}, stdout ${JSON.stringify(result.stdout)}`)
        line = result.stdout
      } catch (error) {
        assert.ok(error instanceof ProtocolInputError, String(error))
        line = `${error.message}\n`
      }
      assert.match(line, /^[^\n]+\n$/)
      if (secret.length > 12) assert.ok(!line.includes(secret.slice(12, 20)), line)
      assert.equal(existsSync(ctx.paths.file), false)
    })

  it('an app password names login as the next step', async () => {
    const result = await storeCredentials(
      JSON.stringify({ServerURL: 'atcr.io', Username: 'alice.bsky.social', Secret: 'abcd-efgh-ijkl-mnop'}),
      context(),
    )
    assert.deepEqual(result, {
      exitCode: 1,
      stdout:
        'docker-credential-atcr: not saving this password for atcr.io: ATCR signs in with device secrets, not app passwords or tokens. Run "docker-credential-atcr login atcr.io" instead.\n',
    })
  })
})

describe('the device flow keeps only a device secret', () => {
  const URL = 'https://atcr.io'
  for (const [what, secret] of NOT_SECRETS)
    it(`${what} from the AppView: revoked there, nothing saved, not echoed`, async () => {
      const {state, store} = memoryStore(accountFile({}))
      const here = recordingClient(URL)
      const login = {handle: 'alice.test', did: 'did:plc:alice', deviceSecret: secret}
      await assert.rejects(
        saveLoginAccount({
          host: 'atcr.io',
          registryKey: URL,
          client: here.client,
          clientFor: async () => here.client,
          login,
          issuedHere: true,
          yes: true,
          store,
        }),
        (error: unknown) =>
          error instanceof AccountsError &&
          /device secret it returned .*the secret it issued was revoked\. Nothing was saved\.$/.test(
            error.message,
          ) &&
          (secret.length <= 12 || !error.message.includes(secret.slice(12, 20))),
      )
      assert.equal(state.saves, 0)
      assert.deepEqual(here.revoked, [{handle: 'alice.test', deviceSecret: secret}])
    })
})
