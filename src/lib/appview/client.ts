/**
 * The AppView client for people commands (login, logout, status), over `got`:
 * - a timeout on every request; retries with back-off only for safe calls (GET, DELETE) — a POST that
 *   starts a device authorization is never repeated behind the person's back, and polling has its own loop;
 * - `User-Agent: docker-credential-atcr/<version> (<os>; <arch>)`;
 * - HTTPS_PROXY / HTTP_PROXY / NO_PROXY through Node's own proxy-aware agents (`proxyEnv`), TLS always
 *   verified for https;
 * - redirects are never followed with the Authorization header: got strips it on cross-origin redirects,
 *   and the calls that carry it do not follow redirects at all;
 * - at most MAX_ANSWER_BYTES of any answer is read (a larger one is "unreachable: the answer is too large");
 * - a non-loopback plain-http AppView (a configured-insecure registry, see appViewUrlFor) is tried over
 *   https first, then http, as Docker does; the scheme that answered is kept for the client's later calls.
 * Every answer is parsed by contract.ts, which hands back only clean text (issue 11).
 *
 * Never used on the `get` path (see src/lib/session-check), so importing got here costs `get` nothing.
 */
import got, {type Got, type OptionsInit} from 'got'
import http from 'node:http'
import https from 'node:https'
import type {LookupFunction} from 'node:net'

import {
  basicAuthorization,
  clientVersion,
  ContractError,
  type DeviceAuthorization,
  deviceCodeRequest,
  type DeviceTokenOutcome,
  deviceTokenRequest,
  endpoint,
  isRevoked,
  MAX_ANSWER_BYTES,
  parseBody,
  parseDeviceAuthorization,
  parseDeviceTokenResponse,
  parseTokenCheck,
  PATHS,
  type SecretCheck,
  tokenCheckUrl,
  userAgent,
} from './contract.ts'
import {httpsFirstFor} from '../registry/appview-url.ts'
import {connectLookup, type Resolve} from '../registry/connect-lookup.ts'
import {serverText} from '../text/server-text.ts'

/** How long one request to an AppView may take when the caller names no budget. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

export interface AppViewClientOptions {
  /** `https://atcr.io`: from appViewUrlFor. */
  baseUrl: string
  /** Proxy variables are read from here (default process.env). */
  env?: NodeJS.ProcessEnv
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number
  /** Retries of safe calls (default 2). */
  retries?: number
  /**
   * Name resolution for names other than `localhost`, which is always 127.0.0.1 (connect-lookup.ts);
   * default: the system's. Tests point a non-loopback name at 127.0.0.1.
   */
  lookup?: LookupFunction
}

/** An answer larger than MAX_ANSWER_BYTES: the rest is never read. */
export class AnswerTooLargeError extends Error {
  constructor() {
    super('the answer is too large')
    this.name = 'AnswerTooLargeError'
  }
}

/** No HTTP answer at all (refused, reset, TLS failure…): the only failure worth trying http after https. */
function isTransportError(error: unknown): boolean {
  return (
    (error as {name?: string}).name === 'RequestError' &&
    (error as {response?: unknown}).response === undefined
  )
}

export class AppViewUnreachableError extends Error {
  readonly baseUrl: string
  constructor(baseUrl: string, reason: string, options?: {cause?: unknown}) {
    super(`cannot reach the AppView at ${baseUrl}: ${reason}`, options)
    this.name = 'AppViewUnreachableError'
    this.baseUrl = baseUrl
  }
}

export interface AppViewClient {
  readonly baseUrl: string
  startDeviceAuthorization(input: {deviceName: string; signal?: AbortSignal}): Promise<DeviceAuthorization>
  pollDeviceToken(deviceCode: string, options?: {signal?: AbortSignal}): Promise<DeviceTokenOutcome>
  /** Check a stored secret (§3) for the registry host `service`; never throws. */
  checkSecret(input: {
    handle: string
    deviceSecret: string
    service: string
    signal?: AbortSignal
  }): Promise<SecretCheck>
  /** Best effort (§4): true when the AppView confirmed; never throws. */
  revokeDevice(input: {handle: string; deviceSecret: string; signal?: AbortSignal}): Promise<boolean>
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']

/** Agents that honour the proxy variables (Node's built-in `proxyEnv`), or undefined for direct connections. */
export function proxyAgents(env: NodeJS.ProcessEnv): {http: http.Agent; https: https.Agent} | undefined {
  if (!PROXY_VARIABLES.some((name) => env[name])) return undefined
  const proxyEnv = Object.fromEntries(
    [...PROXY_VARIABLES, 'NO_PROXY', 'no_proxy'].filter((name) => env[name]).map((name) => [name, env[name]]),
  )
  return {
    http: new http.Agent({proxyEnv} as http.AgentOptions),
    https: new https.Agent({proxyEnv, rejectUnauthorized: true} as https.AgentOptions),
  }
}

function describeNetworkError(error: unknown): string {
  const code = (error as {code?: string}).code
  switch (code) {
    case 'ECONNREFUSED': {
      return 'connection refused'
    }
    case 'ENOTFOUND':
    case 'EAI_AGAIN': {
      return 'the host name does not resolve'
    }
    case 'ETIMEDOUT': {
      return 'no answer in time'
    }
    case 'ECONNRESET': {
      return 'the connection was reset'
    }
    case 'ERR_ABORTED': {
      return 'cancelled'
    }
    case undefined: {
      if (error instanceof AnswerTooLargeError) return error.message
      return serverText((error as Error).message || String(error))
    }
    default: {
      return serverText((error as Error).message || String(error))
    }
  }
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return Boolean(signal?.aborted) || (error as {name?: string}).name === 'AbortError'
}

export function createAppViewClient(options: AppViewClientOptions): AppViewClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const env = options.env ?? process.env
  const agent = proxyAgents(env)
  const request: Got = got.extend({
    headers: {'user-agent': userAgent(), accept: 'application/json, application/x-www-form-urlencoded;q=0.9'},
    timeout: {request: options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS},
    throwHttpErrors: false,
    followRedirect: false,
    responseType: 'text',
    https: {rejectUnauthorized: true},
    retry: {limit: 0},
    ...(agent ? {agent} : {}),
    dnsLookup: connectLookup({resolve: options.lookup as Resolve | undefined}),
  })
  const safeRetry: OptionsInit['retry'] = {
    limit: options.retries ?? 2,
    methods: ['GET', 'DELETE'],
    statusCodes: [429, 500, 502, 503, 504],
    backoffLimit: 2000,
  }

  /** One request, reading at most MAX_ANSWER_BYTES of the answer. */
  async function sendOnce(url: string, init: OptionsInit) {
    const limit = new AbortController()
    const signal = init.signal ? AbortSignal.any([init.signal as AbortSignal, limit.signal]) : limit.signal
    const pending = request(url, {...init, signal} as OptionsInit)
    pending.on('downloadProgress', ({transferred, total}: {transferred: number; total?: number}) => {
      if (transferred > MAX_ANSWER_BYTES || (total ?? 0) > MAX_ANSWER_BYTES) limit.abort()
    })
    let response
    try {
      response = (await pending) as {statusCode: number; body: unknown; headers: http.IncomingHttpHeaders}
    } catch (error) {
      if (limit.signal.aborted && !(init.signal as AbortSignal | undefined)?.aborted)
        throw new AnswerTooLargeError()
      throw error
    }
    const body = String(response.body ?? '')
    if (Buffer.byteLength(body) > MAX_ANSWER_BYTES) throw new AnswerTooLargeError()
    return {
      status: response.statusCode,
      fields: parseBody(body, response.headers['content-type']),
    }
  }

  // A configured-insecure AppView: https first (unverified, as Docker does), then the URL's own http.
  let httpsFirst = httpsFirstFor(baseUrl)
  async function send(url: string, init: OptionsInit) {
    if (!httpsFirst) return sendOnce(url, init)
    try {
      const answer = await sendOnce(url.replace(/^http:/, 'https:'), {
        ...init,
        https: {rejectUnauthorized: false},
      })
      return answer
    } catch (error) {
      if (!isTransportError(error)) throw error
      httpsFirst = false
      return sendOnce(url, init)
    }
  }

  return {
    baseUrl,

    async startDeviceAuthorization({deviceName, signal}) {
      let answer
      try {
        answer = await send(endpoint(baseUrl, PATHS.deviceCode), {
          method: 'POST',
          json: deviceCodeRequest({clientVersion: clientVersion(), deviceName}),
          signal,
        })
      } catch (error) {
        if (isAbort(error, signal)) throw error
        throw new AppViewUnreachableError(baseUrl, describeNetworkError(error), {cause: error})
      }
      if (answer.status >= 500) throw new AppViewUnreachableError(baseUrl, `it answered ${answer.status}`)
      try {
        return parseDeviceAuthorization(answer.status, answer.fields, baseUrl)
      } catch (error) {
        if (error instanceof ContractError) throw new AppViewUnreachableError(baseUrl, error.message)
        throw error
      }
    },

    async pollDeviceToken(deviceCode, {signal} = {}) {
      try {
        const answer = await send(endpoint(baseUrl, PATHS.deviceToken), {
          method: 'POST',
          json: deviceTokenRequest(deviceCode),
          signal,
        })
        return parseDeviceTokenResponse(answer.status, answer.fields)
      } catch (error) {
        if (isAbort(error, signal)) throw error
        return {kind: 'unavailable', reason: describeNetworkError(error)}
      }
    },

    async checkSecret({handle, deviceSecret, service, signal}) {
      try {
        const answer = await send(tokenCheckUrl(baseUrl, service), {
          method: 'GET',
          headers: {authorization: basicAuthorization(handle, deviceSecret)},
          retry: safeRetry,
          signal,
        })
        return parseTokenCheck(answer.status, answer.fields, baseUrl)
      } catch (error) {
        return {state: 'unreachable', reason: describeNetworkError(error)}
      }
    },

    async revokeDevice({handle, deviceSecret, signal}) {
      try {
        const answer = await send(endpoint(baseUrl, PATHS.device), {
          method: 'DELETE',
          headers: {authorization: basicAuthorization(handle, deviceSecret)},
          retry: {...safeRetry, limit: 1},
          signal,
        })
        return isRevoked(answer.status)
      } catch {
        return false
      }
    },
  }
}
