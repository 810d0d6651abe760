/**
 * The secret check (spec/appview-api.md §3) for the `get` path, on node:http/https directly: got and its
 * dependencies would cost every pull and push their import time. No retries, no redirects followed,
 * at most MAX_ANSWER_BYTES of answer read, and a hard budget for the whole exchange (connect, TLS,
 * answer). TLS is always verified, except as Docker itself does for a configured-insecure registry.
 *
 * A plain-http AppView URL that is not loopback exists only for a registry in the Docker daemon's
 * `insecure-registries` (appViewUrlFor upgrades every other one), and for those Docker tries https
 * first, then http: so does this check, both attempts within the one budget.
 */
import type {Agent, IncomingMessage} from 'node:http'
import type {LookupFunction} from 'node:net'

import {
  basicAuthorization,
  MAX_ANSWER_BYTES,
  parseBody,
  parseTokenCheck,
  type SecretCheck,
  tokenCheckUrl,
  userAgent,
} from '../appview/contract.ts'
import {httpsFirstFor} from '../registry/appview-url.ts'
import {connectLookup, type Resolve} from '../registry/connect-lookup.ts'

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']

export interface LeanCheckInput {
  baseUrl: string
  handle: string
  deviceSecret: string
  /** Registry host, the `service` of the token request. */
  service: string
  budgetMs: number
  env: NodeJS.ProcessEnv
  /**
   * Name resolution for names other than `localhost` (default: the system's), waited for only until the
   * budget ends (connect-lookup.ts); tests point a non-loopback name at 127.0.0.1.
   */
  lookup?: LookupFunction
}

/** The answer, or `transport` when no HTTP answer came at all (the only case worth trying http for). */
type Attempt = SecretCheck | {state: 'transport'; reason: string}

export async function checkSecretLean(input: LeanCheckInput): Promise<SecretCheck> {
  let url: URL
  try {
    url = new URL(tokenCheckUrl(input.baseUrl, input.service))
  } catch {
    return {state: 'unreachable', reason: `not a URL: ${input.baseUrl}`}
  }
  const deadline = Date.now() + input.budgetMs
  if (httpsFirstFor(url.href)) {
    const secure = new URL(url.href)
    secure.protocol = 'https:'
    const first = await attempt(secure, input, deadline, {verifyTls: false})
    if (first.state !== 'transport') return first
    if (Date.now() >= deadline) return {state: 'unreachable', reason: `no answer within ${input.budgetMs} ms`}
  }
  const result = await attempt(url, input, deadline, {verifyTls: true})
  return result.state === 'transport' ? {state: 'unreachable', reason: result.reason} : result
}

async function attempt(
  url: URL,
  input: LeanCheckInput,
  deadline: number,
  {verifyTls}: {verifyTls: boolean},
): Promise<Attempt> {
  const secure = url.protocol === 'https:'
  const transport = secure ? await import('node:https') : await import('node:http')
  let agent: Agent | false = false // no keep-alive: the process ends right after the answer
  if (PROXY_VARIABLES.some((name) => input.env[name])) {
    const proxyEnv = Object.fromEntries(
      Object.entries(input.env).filter(([name]) => /^(https?|no)_proxy$/i.test(name)),
    )
    agent = new transport.Agent({proxyEnv, keepAlive: false} as object)
  }
  const budgetMs = Math.max(0, deadline - Date.now())

  return new Promise<Attempt>((resolve) => {
    let settled = false
    const finish = (result: Attempt) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(result)
    }
    const request = transport.request(
      url,
      {
        method: 'GET',
        agent,
        headers: {
          authorization: basicAuthorization(input.handle, input.deviceSecret),
          'user-agent': userAgent(),
          accept: 'application/json',
          connection: 'close',
        },
        lookup: connectLookup({resolve: input.lookup as Resolve | undefined, deadline}),
        ...(secure ? {rejectUnauthorized: verifyTls} : {}),
      },
      (response: IncomingMessage) => {
        const status = response.statusCode ?? 0
        if (status >= 300 && status < 400) {
          response.destroy()
          finish({
            state: 'unreachable',
            reason: `the AppView redirected (${status}); redirects are not followed`,
          })
          return
        }
        const declared = Number(response.headers['content-length'])
        if (Number.isFinite(declared) && declared > MAX_ANSWER_BYTES) {
          response.destroy()
          request.destroy()
          finish({state: 'unreachable', reason: 'the answer is too large'})
          return
        }
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > MAX_ANSWER_BYTES) {
            response.destroy()
            request.destroy()
            finish({state: 'unreachable', reason: 'the answer is too large'})
          } else chunks.push(chunk)
        })
        response.on('end', () => {
          const fields = parseBody(Buffer.concat(chunks).toString('utf8'), response.headers['content-type'])
          finish(parseTokenCheck(status, fields, input.baseUrl))
        })
        response.on('error', (error) => finish({state: 'unreachable', reason: error.message}))
      },
    )
    const timer = setTimeout(() => {
      finish({state: 'unreachable', reason: `no answer within ${input.budgetMs} ms`})
      request.destroy()
    }, budgetMs)
    request.on('error', (error: NodeJS.ErrnoException) =>
      finish({
        state: 'transport',
        reason: error.code === 'ETIMEOUT' ? error.message : (error.code ?? error.message),
      }),
    )
    request.end()
  })
}
