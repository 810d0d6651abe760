/**
 * A client command line with four 128 KB comma lists (issue 11): get reads it in linear time, skipping
 * the over-long arguments, and still finds the image reference next to them.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {makeSandbox, runVerbUnderClient} from '../support/cli.ts'
import {hugeBuildxCommandLine} from '../support/huge-command-line.ts'

const ALICE = {handle: 'alice.bsky.social', did: 'did:plc:alice', device_secret: 'atcr_device_alice_long'}
const BOB = {handle: 'bob.example.com', did: 'did:plc:bob', device_secret: 'atcr_device_bob_long'}

describe('get under a huge parent command line', () => {
  it('answers within its budget, choosing by the reference beside the lists', async () => {
    const sandbox = makeSandbox()
    try {
      sandbox.writeAccounts({
        version: 2,
        registries: {'https://atcr.io': {accounts: {[ALICE.handle]: ALICE, [BOB.handle]: BOB}}},
      })
      const client = hugeBuildxCommandLine()
      const started = Date.now()
      const result = await runVerbUnderClient(client, 'get', {input: 'atcr.io', env: sandbox.env})
      const elapsed = Date.now() - started
      assert.equal(
        result.stdout,
        `${JSON.stringify({ServerURL: 'atcr.io', Username: ALICE.handle, Secret: ALICE.device_secret})}\n`,
      )
      // A hang guard, not a stopwatch: a second at most on an idle machine, several when other suites
      // load it; a scan quadratic in the 512 KB of arguments would take minutes.
      assert.ok(elapsed < 15_000, `get took ${elapsed} ms`)
    } finally {
      sandbox.cleanup()
    }
  })
})
