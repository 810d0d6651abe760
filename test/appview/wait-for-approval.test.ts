import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {DeviceTokenOutcome} from '../../src/lib/appview/contract.ts'
import {type Clock, type PollEvent, waitForApproval} from '../../src/lib/device-flow/wait-for-approval.ts'

/** A clock whose sleeps advance time at once and are recorded. */
function fakeClock(): Clock & {sleeps: number[]; time: number} {
  const clock = {
    time: 0,
    sleeps: [] as number[],
    now: () => clock.time,
    async sleep(ms: number, signal?: AbortSignal) {
      if (signal?.aborted) throw signal.reason
      clock.sleeps.push(ms)
      clock.time += ms
    },
  }
  return clock
}

function scripted(...answers: DeviceTokenOutcome[]) {
  const calls: string[] = []
  return {
    calls,
    poll: async (deviceCode: string) => {
      calls.push(deviceCode)
      const next = answers.shift()
      if (!next) throw new Error('polled more often than scripted')
      return next
    },
  }
}

const authorization = {deviceCode: 'dc', expiresIn: 600, interval: 5}
const approved: DeviceTokenOutcome = {
  kind: 'approved',
  deviceSecret: 'atcr_device_x',
  handle: 'a.test',
  did: 'did:plc:a',
}

describe('waitForApproval', () => {
  it('waits one interval before every poll and returns the approval', async () => {
    const clock = fakeClock()
    const server = scripted({kind: 'pending'}, {kind: 'pending'}, approved)
    const result = await waitForApproval({authorization, poll: server.poll, clock})
    assert.deepEqual(result, {
      outcome: 'approved',
      deviceSecret: 'atcr_device_x',
      handle: 'a.test',
      did: 'did:plc:a',
    })
    assert.deepEqual(clock.sleeps, [5000, 5000, 5000])
    assert.deepEqual(server.calls, ['dc', 'dc', 'dc'])
  })

  it('adds 5 seconds to the interval on slow_down, for good', async () => {
    const clock = fakeClock()
    const events: PollEvent[] = []
    const server = scripted({kind: 'slow_down'}, {kind: 'pending'}, {kind: 'slow_down'}, approved)
    await waitForApproval({authorization, poll: server.poll, clock, onEvent: (event) => events.push(event)})
    assert.deepEqual(clock.sleeps, [5000, 10_000, 10_000, 15_000])
    assert.deepEqual(
      events.filter((event) => event.type === 'slow_down'),
      [
        {type: 'slow_down', intervalSeconds: 10},
        {type: 'slow_down', intervalSeconds: 15},
      ],
    )
  })

  it('stops on expired_token and on access_denied', async () => {
    assert.deepEqual(
      await waitForApproval({authorization, poll: scripted({kind: 'expired'}).poll, clock: fakeClock()}),
      {
        outcome: 'expired',
      },
    )
    assert.deepEqual(
      await waitForApproval({
        authorization,
        poll: scripted({kind: 'pending'}, {kind: 'denied'}).poll,
        clock: fakeClock(),
      }),
      {outcome: 'denied'},
    )
  })

  it('backs off on failures while the code is valid, then carries on', async () => {
    const clock = fakeClock()
    const down: DeviceTokenOutcome = {kind: 'unavailable', reason: 'the AppView answered 503'}
    const server = scripted(down, down, down, {kind: 'pending'}, approved)
    const result = await waitForApproval({authorization, poll: server.poll, clock})
    assert.equal(result.outcome, 'approved')
    assert.deepEqual(clock.sleeps, [5000, 5000, 10_000, 20_000, 5000])
  })

  it('gives up after too many failures in a row, naming the reason', async () => {
    const down: DeviceTokenOutcome = {kind: 'unavailable', reason: 'connection refused'}
    const server = scripted(down, down, down, down)
    const result = await waitForApproval({
      authorization,
      poll: server.poll,
      clock: fakeClock(),
      maxFailures: 3,
    })
    assert.equal(result.outcome, 'failed')
    assert.match((result as {reason: string}).reason, /connection refused \(4 attempts\)/)
  })

  it('does not poll past the lifetime of the code', async () => {
    const clock = fakeClock()
    const pending = Array.from({length: 20}, (): DeviceTokenOutcome => ({kind: 'pending'}))
    const server = scripted(...pending)
    const result = await waitForApproval({
      authorization: {deviceCode: 'dc', expiresIn: 12, interval: 5},
      poll: server.poll,
      clock,
    })
    assert.deepEqual(result, {outcome: 'expired'})
    assert.equal(server.calls.length, 2) // at 5 s and 10 s; a poll at 15 s would outlive the code
  })

  it('is cancelled by its signal, during a sleep or after a poll', async () => {
    const controller = new AbortController()
    const clock = fakeClock()
    const server = {
      poll: async () => {
        controller.abort()
        return {kind: 'pending'} as DeviceTokenOutcome
      },
    }
    assert.deepEqual(
      await waitForApproval({authorization, poll: server.poll, clock, signal: controller.signal}),
      {
        outcome: 'cancelled',
      },
    )

    const realTimeController = new AbortController()
    const started = waitForApproval({
      authorization: {deviceCode: 'dc', expiresIn: 600, interval: 60},
      poll: scripted().poll,
      signal: realTimeController.signal,
    })
    realTimeController.abort()
    assert.deepEqual(await started, {outcome: 'cancelled'})
  })
})
