/**
 * Issue 10, "The real AppView's error bodies": the token endpoint answers `{"error", "message",
 * "login_url"}` with codes that are not public. Any 401/403 with a login_url is an expired session,
 * and the AppView's message (clean, one line) comes along — through the people client and get's check.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {createAppViewClient} from '../../src/lib/appview/client.ts'
import {checkSecretLean} from '../../src/lib/session-check/check-secret-lean.ts'
import {type AppViewEmulator, startAppViewEmulator} from '../support/appview-emulator.ts'

describe('the real AppView error bodies', () => {
  let emulator: AppViewEmulator
  let secret: string
  const alice = {handle: 'alice.test', did: 'did:plc:alice'}
  before(async () => {
    emulator = await startAppViewEmulator()
    secret = emulator.addAccount(alice)
  })
  after(() => emulator.close())

  const checks = () => [
    createAppViewClient({baseUrl: emulator.url, env: {}, retries: 0}).checkSecret({
      handle: alice.handle,
      deviceSecret: secret,
      service: emulator.host,
    }),
    checkSecretLean({
      baseUrl: emulator.url,
      handle: alice.handle,
      deviceSecret: secret,
      service: emulator.host,
      budgetMs: 3000,
      env: {},
    }),
  ]

  for (const status of [401, 403]) {
    it(`${status} with an unknown error code and a login_url is an expired session, with the message`, async () => {
      emulator.expireSession(alice.handle, {
        status,
        error: 'upstream_reauth_required',
        message: 'Please \u001b[31mre-authenticate\u001b[0m\nvia the browser',
      })
      try {
        for (const result of await Promise.all(checks())) {
          assert.deepEqual(result, {
            state: 'session_expired',
            loginUrl: `${emulator.url}/auth/oauth/login?handle=alice.test`,
            message: 'Please re-authenticate via the browser',
          })
        }
      } finally {
        emulator.restoreSession(alice.handle)
      }
    })
  }
})
