/**
 * The polling half of the device flow (spec/appview-api.md §2, RFC 8628 §3.4–3.5): poll no sooner than
 * every `interval`, add 5 s on `slow_down`, stop on `expired_token` and `access_denied`, and ride out 5xx,
 * network errors and malformed answers with back-off while the code is still valid.
 *
 * Clock and sleep are parameters so tests run the loop without waiting real seconds; an AbortSignal
 * cancels it (Ctrl-C) at any point, and nothing is saved here — the caller saves only an approval.
 */
import {
  type DeviceAuthorization,
  type DeviceTokenOutcome,
  SLOW_DOWN_INCREMENT_SECONDS,
} from '../appview/contract.ts'

export interface Clock {
  /** Milliseconds, like Date.now(). */
  now(): number
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      const onAbort = () => {
        clearTimeout(timer)
        reject(signal!.reason)
      }
      signal?.addEventListener('abort', onAbort, {once: true})
    }),
}

export type ApprovalResult =
  | {outcome: 'approved'; deviceSecret: string; handle: string; did: string}
  | {outcome: 'expired'}
  | {outcome: 'denied'}
  /** The AppView kept failing (5xx, network, malformed) until the retries or the code ran out. */
  | {outcome: 'failed'; reason: string}
  | {outcome: 'cancelled'}

export type PollEvent =
  | {type: 'pending'}
  | {type: 'slow_down'; intervalSeconds: number}
  | {type: 'retrying'; reason: string; attempt: number; delayMs: number}

export interface WaitForApprovalInput {
  authorization: Pick<DeviceAuthorization, 'deviceCode' | 'expiresIn' | 'interval'>
  poll: (deviceCode: string, options: {signal?: AbortSignal}) => Promise<DeviceTokenOutcome>
  clock?: Clock
  signal?: AbortSignal
  /** Consecutive failed polls tolerated before giving up (default 5). */
  maxFailures?: number
  /** Longest back-off between failed polls (default 60 s). */
  maxBackoffMs?: number
  onEvent?: (event: PollEvent) => void
}

export async function waitForApproval(input: WaitForApprovalInput): Promise<ApprovalResult> {
  const clock = input.clock ?? systemClock
  const {signal} = input
  const maxFailures = input.maxFailures ?? 5
  const maxBackoffMs = input.maxBackoffMs ?? 60_000
  const deadline = clock.now() + input.authorization.expiresIn * 1000
  let intervalMs = input.authorization.interval * 1000
  let failures = 0
  let lastReason = ''
  let delayMs = intervalMs // RFC 8628: wait one interval before the first poll

  try {
    for (;;) {
      if (clock.now() + delayMs >= deadline) {
        // Waiting would outlive the code: one last look is pointless, the AppView would say expired.
        return failures > 0
          ? {outcome: 'failed', reason: `the AppView kept failing until the code expired (${lastReason})`}
          : {outcome: 'expired'}
      }
      await clock.sleep(delayMs, signal)
      if (signal?.aborted) return {outcome: 'cancelled'}
      const answer = await input.poll(input.authorization.deviceCode, {signal})
      switch (answer.kind) {
        case 'approved': {
          return {
            outcome: 'approved',
            deviceSecret: answer.deviceSecret,
            handle: answer.handle,
            did: answer.did,
          }
        }
        case 'expired': {
          return {outcome: 'expired'}
        }
        case 'denied': {
          return {outcome: 'denied'}
        }
        case 'pending': {
          failures = 0
          delayMs = intervalMs
          input.onEvent?.({type: 'pending'})
          break
        }
        case 'slow_down': {
          failures = 0
          intervalMs += SLOW_DOWN_INCREMENT_SECONDS * 1000
          delayMs = intervalMs
          input.onEvent?.({type: 'slow_down', intervalSeconds: intervalMs / 1000})
          break
        }
        case 'unavailable': {
          failures += 1
          lastReason = answer.reason
          if (failures > maxFailures)
            return {outcome: 'failed', reason: `${answer.reason} (${failures} attempts)`}
          delayMs = Math.min(maxBackoffMs, intervalMs * 2 ** (failures - 1))
          input.onEvent?.({type: 'retrying', reason: answer.reason, attempt: failures, delayMs})
          break
        }
      }
    }
  } catch (error) {
    if (signal?.aborted) return {outcome: 'cancelled'}
    throw error
  }
}
