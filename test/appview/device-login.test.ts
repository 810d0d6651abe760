/**
 * The whole device login (code, polls, approval) against the AppView emulator over real HTTP, on a
 * virtual clock shared by the poller and the emulator: RFC 8628's 5 s slow_down step is checked without
 * waiting 5 real seconds.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {createAppViewClient} from '../../src/lib/appview/client.ts'
import {runDeviceLogin} from '../../src/lib/device-flow/device-login.ts'
import type {Clock, PollEvent} from '../../src/lib/device-flow/wait-for-approval.ts'
import {startAppViewEmulator} from '../support/appview-emulator.ts'

/** A clock whose sleeps advance its time at once and are recorded. */
function virtualClock(): Clock & {sleeps: number[]} {
  let time = Date.now()
  const sleeps: number[] = []
  return {
    sleeps,
    now: () => time,
    async sleep(ms, signal) {
      if (signal?.aborted) throw signal.reason
      sleeps.push(ms)
      time += ms
    },
  }
}

describe('device login against the emulator, on a virtual clock', () => {
  it('honours slow_down: the next poll waits 5 s longer, and none comes early', async () => {
    const clock = virtualClock()
    const emulator = await startAppViewEmulator({interval: 0.2, now: clock.now})
    try {
      emulator.injectFault({path: '/auth/device/token', kind: 'slow_down'})
      const events: PollEvent[] = []
      const result = await runDeviceLogin({
        client: createAppViewClient({baseUrl: emulator.url}),
        deviceName: 'test-host',
        clock,
        onCode: (authorization) =>
          emulator.approve(authorization.userCode, {handle: 'alice.test', did: 'did:plc:alice'}),
        onEvent: (event) => events.push(event),
      })
      assert.equal(result.outcome, 'approved')
      assert.deepEqual(events, [{type: 'slow_down', intervalSeconds: 5.2}])
      // One interval before the first poll (answered slow_down), then the grown interval.
      assert.deepEqual(clock.sleeps, [200, 5200])
      assert.equal(emulator.earlyPolls, 0)
    } finally {
      await emulator.close()
    }
  })
})
