/**
 * Whether `get` should hand out an account's stored secret (issue 3, "`get` and expired sessions").
 *
 * - A good answer from the last few minutes (or "no answer" from the last minute) is in the session
 *   cache: no request at all.
 * - Otherwise one check (spec/appview-api.md §3) within a small budget (1.5 s):
 *   valid → cache it and answer; session expired → the person must sign in at the login URL;
 *   unknown or revoked secret → the person must run `login`; unreachable, slow or broken → answer with
 *   the stored secret anyway (a flaky AppView must not break pulls), and do not ask again for a minute.
 * - ATCR_SESSION_CHECK=0 turns the check off.
 */
import type {Account} from '../config/account-file.ts'
import type {SecretCheck} from '../appview/contract.ts'
import {
  type CachedVerdict,
  cachedVerdict,
  checkInFlight,
  claimCheck,
  refusedRecently,
  remember,
  sessionCacheKey,
} from './session-cache.ts'
import {envFlag} from '../env-flag.ts'

export const GET_CHECK_BUDGET_MS = 1500

export type GetVerdict =
  | {verdict: 'answer'}
  /** `message`: the AppView's own words, already one clean line (src/lib/appview/contract.ts). */
  | {verdict: 'session_expired'; loginUrl: string; message?: string}
  | {verdict: 'revoked'; message?: string}

export interface CheckBeforeGetInput {
  host: string
  account: Account
  cacheFile: string
  env: NodeJS.ProcessEnv
  /** Computed only when a request is needed (it may read the Docker daemon's config). */
  appViewUrl: () => string
  now?: () => number
  budgetMs?: number
  /** The check itself; by default the lean node:http one, loaded only on a cache miss. */
  check?: (input: {
    baseUrl: string
    handle: string
    deviceSecret: string
    service: string
    budgetMs: number
  }) => Promise<SecretCheck>
  explain?: (line: string) => void
  /** How a waiting get pauses between looks at the cache (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>
}

export function sessionCheckDisabled(env: NodeJS.ProcessEnv): boolean {
  return !envFlag(env, 'ATCR_SESSION_CHECK', true)
}

export async function checkBeforeGet(input: CheckBeforeGetInput): Promise<GetVerdict> {
  const explain = input.explain ?? (() => {})
  if (sessionCheckDisabled(input.env)) {
    explain('session check off (ATCR_SESSION_CHECK=0)')
    return {verdict: 'answer'}
  }
  const now = input.now ?? Date.now
  const {handle, device_secret: deviceSecret} = input.account
  const key = sessionCacheKey(input.host, handle, deviceSecret)
  const started = now()
  const cached = cachedVerdict(input.cacheFile, key, started)
  if (cached) {
    explain(explainCached(handle, cached))
    return {verdict: 'answer'}
  }

  // A cold burst (Docker runs several gets at once) asks once per account: one claims the check, the
  // others wait for its verdict in the cache, never past the budget a check of their own would have had.
  const budgetMs = input.budgetMs ?? GET_CHECK_BUDGET_MS
  const deadline = started + budgetMs
  // A check ends within its budget; a marker older than that (with a margin for a loaded machine) is dead.
  const markerMaxAgeMs = budgetMs + 1000
  let claim = claimCheck(input.cacheFile, key, started, markerMaxAgeMs)
  while (!claim.mine) {
    explain(`another get is checking the session of ${handle}: waiting for its answer`)
    const waited = await waitForOtherCheck(input.cacheFile, key, {
      deadline,
      markerMaxAgeMs,
      now,
      pause: input.sleep ?? sleep,
    })
    if (waited === 'answer') {
      explain(`no verdict from the other check within ${budgetMs} ms: answering with the stored secret`)
      return {verdict: 'answer'}
    }
    if (waited === 'refused') {
      // Every get of the burst reports the refusal, with the AppView's own words: ask at once, unclaimed.
      explain(`the other check of ${handle} was refused: asking ourselves`)
      claim = {mine: true, release: () => {}}
    } else if (waited !== 'gone') {
      explain(`${explainCached(handle, waited)} (by the other get)`)
      return {verdict: 'answer'}
    } else {
      // Its check ended with no verdict in the cache (its process died, or a racing write lost it):
      // claim again, so that one of the waiting gets asks and the others wait for that one.
      claim = claimCheck(input.cacheFile, key, now(), markerMaxAgeMs)
    }
  }
  // A check that finished between our cache read and the claim left its verdict: no second request.
  const justCached = cachedVerdict(input.cacheFile, key, now())
  if (justCached) {
    claim.release()
    explain(explainCached(handle, justCached))
    return {verdict: 'answer'}
  }

  const check =
    input.check ??
    (async (request) => {
      const {checkSecretLean} = await import('./check-secret-lean.ts')
      return checkSecretLean({...request, env: input.env})
    })
  let result: SecretCheck
  try {
    const remainingMs = Math.max(1, deadline - now())
    result = await check({
      baseUrl: input.appViewUrl(),
      handle,
      deviceSecret,
      service: input.host,
      budgetMs: remainingMs,
    })
  } catch (error) {
    result = {state: 'unreachable', reason: (error as Error).message}
  }
  try {
    return settle(input, key, handle, result, now, explain)
  } finally {
    claim.release() // after the verdict is in the cache, where the waiting gets look for it
  }
}

function explainCached(handle: string, cached: CachedVerdict): string {
  return cached === 'valid'
    ? `session of ${handle} checked recently: no request`
    : `the AppView did not answer a moment ago: no request, answering with the stored secret`
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Wait for the check another process claimed: its cached verdict, `gone` when its marker went without
 * one (a process that died, or a verdict lost to a racing write), or `answer` at the deadline. A refusal
 * counts only once the marker is gone: an older one may still be in the cache while the check runs.
 */
async function waitForOtherCheck(
  cacheFile: string,
  key: string,
  options: {
    deadline: number
    markerMaxAgeMs: number
    now: () => number
    pause: (ms: number) => Promise<void>
  },
): Promise<CachedVerdict | 'refused' | 'gone' | 'answer'> {
  const {deadline, markerMaxAgeMs, now, pause} = options
  let delay = 10
  for (;;) {
    const remaining = deadline - now()
    if (remaining <= 0) return 'answer'
    await pause(Math.min(delay, remaining))
    delay = Math.min(delay * 1.5, 50)
    const at = now()
    const verdict = cachedVerdict(cacheFile, key, at)
    if (verdict) return verdict
    if (!checkInFlight(cacheFile, key, at, markerMaxAgeMs)) {
      // Written between the two reads? Look once more before asking ourselves.
      const last = now()
      return (
        cachedVerdict(cacheFile, key, last) ?? (refusedRecently(cacheFile, key, last) ? 'refused' : 'gone')
      )
    }
  }
}

function settle(
  input: CheckBeforeGetInput,
  key: string,
  handle: string,
  result: SecretCheck,
  now: () => number,
  explain: (line: string) => void,
): GetVerdict {
  switch (result.state) {
    case 'valid': {
      explain(`session of ${handle} is valid; remembered for a few minutes`)
      remember(input.cacheFile, key, 'valid', now())
      return {verdict: 'answer'}
    }
    case 'unreachable': {
      explain(`session of ${handle} not checked (${result.reason}): answering with the stored secret`)
      remember(input.cacheFile, key, 'unreachable', now())
      return {verdict: 'answer'}
    }
    case 'session_expired': {
      remember(input.cacheFile, key, 'refused', now())
      return {
        verdict: 'session_expired',
        loginUrl: result.loginUrl,
        ...(result.message ? {message: result.message} : {}),
      }
    }
    case 'invalid': {
      remember(input.cacheFile, key, 'refused', now())
      return {verdict: 'revoked', ...(result.message ? {message: result.message} : {})}
    }
  }
}
