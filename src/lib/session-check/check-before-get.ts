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
import {cachedVerdict, forget, remember, sessionCacheKey} from './session-cache.ts'
import {envFlag} from '../env-flag.ts'

export const GET_CHECK_BUDGET_MS = 1500

export type GetVerdict =
  {verdict: 'answer'} | {verdict: 'session_expired'; loginUrl: string} | {verdict: 'revoked'}

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
  const cached = cachedVerdict(input.cacheFile, key, now())
  if (cached) {
    explain(
      cached === 'valid'
        ? `session of ${handle} checked recently: no request`
        : `the AppView did not answer a moment ago: no request, answering with the stored secret`,
    )
    return {verdict: 'answer'}
  }

  const check =
    input.check ??
    (async (request) => {
      const {checkSecretLean} = await import('./check-secret-lean.ts')
      return checkSecretLean({...request, env: input.env})
    })
  const budgetMs = input.budgetMs ?? GET_CHECK_BUDGET_MS
  let result: SecretCheck
  try {
    result = await check({baseUrl: input.appViewUrl(), handle, deviceSecret, service: input.host, budgetMs})
  } catch (error) {
    result = {state: 'unreachable', reason: (error as Error).message}
  }
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
      forget(input.cacheFile, key)
      return {verdict: 'session_expired', loginUrl: result.loginUrl}
    }
    case 'invalid': {
      forget(input.cacheFile, key)
      return {verdict: 'revoked'}
    }
  }
}
