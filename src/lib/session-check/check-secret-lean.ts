/**
 * The secret check (spec/appview-api.md §3) for the `get` path, on node:http/https directly: got and its
 * dependencies would cost every pull and push their import time. One request, no retries, no redirects
 * followed, and a hard budget for the whole exchange (connect, TLS, answer). TLS is always verified.
 */
import type {Agent, IncomingMessage} from 'node:http'

import {
  basicAuthorization,
  parseBody,
  parseTokenCheck,
  type SecretCheck,
  tokenCheckUrl,
  userAgent,
} from '../appview/contract.ts'

const MAX_BODY_BYTES = 64 * 1024
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']

export interface LeanCheckInput {
  baseUrl: string
  handle: string
  deviceSecret: string
  /** Registry host, the `service` of the token request. */
  service: string
  budgetMs: number
  env: NodeJS.ProcessEnv
}

export async function checkSecretLean(input: LeanCheckInput): Promise<SecretCheck> {
  let url: URL
  try {
    url = new URL(tokenCheckUrl(input.baseUrl, input.service))
  } catch {
    return {state: 'unreachable', reason: `not a URL: ${input.baseUrl}`}
  }
  const secure = url.protocol === 'https:'
  const transport = secure ? await import('node:https') : await import('node:http')
  let agent: Agent | false = false // no keep-alive: the process ends right after the answer
  if (PROXY_VARIABLES.some((name) => input.env[name])) {
    const proxyEnv = Object.fromEntries(
      Object.entries(input.env).filter(([name]) => /^(https?|no)_proxy$/i.test(name)),
    )
    agent = new transport.Agent({proxyEnv, keepAlive: false} as object)
  }

  return new Promise<SecretCheck>((resolve) => {
    let settled = false
    const finish = (result: SecretCheck) => {
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
        ...(secure ? {rejectUnauthorized: true} : {}),
      },
      (response: IncomingMessage) => {
        const status = response.statusCode ?? 0
        if (status >= 300 && status < 400) {
          response.resume()
          finish({
            state: 'unreachable',
            reason: `the AppView redirected (${status}); redirects are not followed`,
          })
          return
        }
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > MAX_BODY_BYTES) {
            request.destroy()
            finish({state: 'unreachable', reason: 'the answer is too large'})
          } else chunks.push(chunk)
        })
        response.on('end', () => {
          const fields = parseBody(Buffer.concat(chunks).toString('utf8'), response.headers['content-type'])
          finish(parseTokenCheck(status, fields))
        })
        response.on('error', (error) => finish({state: 'unreachable', reason: error.message}))
      },
    )
    const timer = setTimeout(() => {
      finish({state: 'unreachable', reason: `no answer within ${input.budgetMs} ms`})
      request.destroy()
    }, input.budgetMs)
    request.on('error', (error: NodeJS.ErrnoException) =>
      finish({state: 'unreachable', reason: error.code ?? error.message}),
    )
    request.end()
  })
}
