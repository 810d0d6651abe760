/**
 * Dozens of helper processes at once against one account file that still needs migrating: the file
 * stays valid v2 and holds every change (spec/config.md, "Writing safely").
 */
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {describe, it} from 'node:test'

import {makeSandbox, runCli} from '../support/cli.ts'

/**
 * 48 processes start at once: on a loaded 2-core machine the last of them waits its turn for tens of
 * seconds, and runCli's default (30 s, then SIGKILL) can fail a correct run. A hang still fails, later.
 */
const HANG_MS = 150_000

describe('concurrent helpers', () => {
  it('lose nothing and never corrupt the file', {timeout: 180_000}, async () => {
    const sandbox = makeSandbox()
    try {
      const legacy = JSON.stringify({
        credentials: {
          'https://atcr.io': {
            handle: 'alice.bsky.social',
            device_secret: 'atcr_device_alice',
            did: 'did:plc:alice',
          },
          'https://erase.example': {handle: 'eve.test', device_secret: 'atcr_device_eve'},
        },
      })
      sandbox.writeAccounts(legacy)
      const store = (server: string, handle: string) =>
        runCli(['store'], {
          input: JSON.stringify({ServerURL: server, Username: handle, Secret: `atcr_device_${handle}`}),
          env: sandbox.env,
          timeoutMs: HANG_MS,
        })

      const atcrHandles = Array.from({length: 24}, (_, index) => `user${index}.test`)
      const buoyHandles = Array.from({length: 8}, (_, index) => `buoy${index}.test`)
      const runs = [
        ...atcrHandles.map((handle) => store('atcr.io', handle).then((result) => ({kind: 'store', result}))),
        ...buoyHandles.map((handle) =>
          store('https://buoy.cr', handle).then((result) => ({kind: 'store', result})),
        ),
        ...Array.from({length: 6}, () =>
          runCli(['erase'], {input: 'erase.example', env: sandbox.env, timeoutMs: HANG_MS}).then(
            (result) => ({
              kind: 'erase',
              result,
            }),
          ),
        ),
        ...Array.from({length: 10}, () =>
          runCli(['get'], {input: 'atcr.io', env: sandbox.env, timeoutMs: HANG_MS}).then((result) => ({
            kind: 'get',
            result,
          })),
        ),
      ]
      const finished = await Promise.all(runs)
      for (const {kind, result} of finished) {
        assert.equal(result.code, 0, `${kind}: ${result.stdout}${result.stderr}`)
        if (kind === 'get') {
          assert.equal(
            result.stdout,
            '{"ServerURL":"atcr.io","Username":"alice.bsky.social","Secret":"atcr_device_alice"}\n',
          )
        }
      }

      const saved = JSON.parse(readFileSync(sandbox.accountFile, 'utf8'))
      assert.equal(saved.version, 2)
      const atcr = saved.registries['https://atcr.io']
      assert.equal(atcr.active, 'alice.bsky.social')
      assert.deepEqual(Object.keys(atcr.accounts).sort(), ['alice.bsky.social', ...atcrHandles].sort())
      for (const handle of atcrHandles)
        assert.equal(atcr.accounts[handle].device_secret, `atcr_device_${handle}`)
      const buoy = saved.registries['https://buoy.cr']
      assert.deepEqual(Object.keys(buoy.accounts).sort(), [...buoyHandles].sort())
      assert.ok(buoyHandles.includes(buoy.active))
      assert.equal(saved.registries['https://erase.example'], undefined)
      // Migrated exactly once, from the original bytes; no lock or temporary file left behind.
      assert.equal(readFileSync(`${sandbox.accountFile}.bak`, 'utf8'), legacy)
      assert.deepEqual(readdirSync(sandbox.configDir).sort(), ['device.json', 'device.json.bak'])
    } finally {
      sandbox.cleanup()
    }
  })
})
