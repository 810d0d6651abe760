/**
 * Issue 9: a cold-cache burst of parallel `get`s (Docker and buildx run several at once) asks the AppView
 * once per account, not once per process: the first claims the check, the others wait for its verdict
 * in the session cache, within the budget their own check would have had.
 */
import assert from 'node:assert/strict'
import {readdirSync} from 'node:fs'
import {afterEach, beforeEach, describe, it} from 'node:test'

import {accountFileFor, makeSandbox, runCli, type Sandbox, useEmulator} from '../appview/cli-harness.ts'

const alice = {handle: 'alice.test', did: 'did:plc:alice'}
const BURST = 30

describe('a cold burst of gets', {timeout: 120_000}, () => {
  let sandbox: Sandbox
  let secret: string
  const emulator = useEmulator()
  beforeEach(() => {
    sandbox = makeSandbox()
    secret = emulator.addAccount(alice)
    sandbox.writeAccounts(accountFileFor(emulator.url, [{...alice, device_secret: secret}]))
  })
  afterEach(() => sandbox.cleanup())

  it(`${BURST} parallel gets with an empty session cache: one check (two at most), every answer exact`, async () => {
    const results = await Promise.all(
      Array.from({length: BURST}, () =>
        runCli(['get'], {env: {...sandbox.env, CI: undefined}, stdin: emulator.host, timeoutMs: 60_000}),
      ),
    )
    const credentials = `${JSON.stringify({ServerURL: emulator.host, Username: 'alice.test', Secret: secret})}\n`
    for (const result of results) {
      assert.equal(result.code, 0, result.stdout + result.stderr)
      assert.equal(result.stdout, credentials)
    }
    const checks = emulator.requests.filter((request) => request.path === '/auth/token').length
    // One, unless a marker was judged dead on a machine too loaded to finish a check in its budget.
    assert.ok(checks >= 1 && checks <= 2, `${checks} token requests for ${BURST} gets of one account`)
    // No marker is left behind once the burst is over.
    assert.deepEqual(readdirSync(sandbox.configDir).sort(), ['device.json', 'session-cache.json'])
  })
})
