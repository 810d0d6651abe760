/**
 * Issue 11: every AppView answer is read up to MAX_ANSWER_BYTES on every path (the got client of people
 * commands and get's lean check), and a configured-insecure (non-loopback, plain-http) AppView is tried
 * over https first, then http, as Docker does.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import type {AddressInfo, LookupFunction} from 'node:net'
import {after, before, describe, it} from 'node:test'

import {createAppViewClient} from '../../src/lib/appview/client.ts'
import {MAX_ANSWER_BYTES} from '../../src/lib/appview/contract.ts'
import {checkSecretLean} from '../../src/lib/session-check/check-secret-lean.ts'

/** Every name resolves to 127.0.0.1: a "non-loopback" host name that still stays on this machine. */
const toLoopback: LookupFunction = (_host, options, callback) => {
  if ((options as {all?: boolean}).all)
    (callback as (e: null, a: {address: string; family: number}[]) => void)(null, [
      {address: '127.0.0.1', family: 4},
    ])
  else callback(null, '127.0.0.1', 4)
}

describe('bounded answers', () => {
  let server: http.Server
  let base: string
  let written = 0
  before(async () => {
    server = http.createServer((request, response) => {
      request.resume()
      // An endless JSON-ish answer without a length: only the reader's cap stops it.
      response.writeHead(request.url?.startsWith('/auth/token') ? 401 : 200, {
        'content-type': 'application/json',
      })
      const chunk = Buffer.alloc(64 * 1024, 'a')
      const pump = () => {
        while (!response.destroyed && written < 200 * 1024 * 1024) {
          written += chunk.length
          if (!response.write(chunk)) return void response.once('drain', pump)
        }
        response.end()
      }
      response.on('close', () => {})
      pump()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => {
    server.closeAllConnections()
    server.close()
  })

  it("get's lean check stops reading past the cap", async () => {
    written = 0
    const result = await checkSecretLean({
      baseUrl: base,
      handle: 'a.test',
      deviceSecret: 'atcr_device_x',
      service: 'x',
      budgetMs: 5000,
      env: {},
    })
    assert.deepEqual(result, {state: 'unreachable', reason: 'the answer is too large'})
    assert.ok(written < 40 * MAX_ANSWER_BYTES, `server wrote ${written} bytes`)
  })

  it('the people client stops reading past the cap, on every call', async () => {
    const client = createAppViewClient({baseUrl: base, env: {}, retries: 0})
    written = 0
    const check = await client.checkSecret({handle: 'a.test', deviceSecret: 'atcr_device_x', service: 'x'})
    assert.deepEqual(check, {state: 'unreachable', reason: 'the answer is too large'})
    assert.ok(written < 40 * MAX_ANSWER_BYTES, `server wrote ${written} bytes`)
    written = 0
    await assert.rejects(client.startDeviceAuthorization({deviceName: 'd'}), /the answer is too large/)
    assert.ok(written < 40 * MAX_ANSWER_BYTES, `server wrote ${written} bytes`)
    written = 0
    const poll = await client.pollDeviceToken('dc')
    assert.deepEqual(poll, {kind: 'unavailable', reason: 'the answer is too large'})
  })
})

describe('insecure registries: https first, then http', () => {
  let server: http.Server
  let port = 0
  const seen: string[] = []
  before(async () => {
    server = http.createServer((request, response) => {
      seen.push(`http ${request.url}`)
      request.resume()
      response.writeHead(401, {'content-type': 'application/json'}).end('{"error":"invalid_credentials"}')
    })
    // A TLS ClientHello reaching this plain-http server is a client error: that is the https attempt.
    server.on('clientError', (_error, socket) => {
      seen.push('tls attempt')
      socket.destroy()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  after(() => {
    server.closeAllConnections()
    server.close()
  })

  it("get's lean check", async () => {
    seen.length = 0
    const result = await checkSecretLean({
      baseUrl: `http://reg.lan:${port}`,
      handle: 'a.test',
      deviceSecret: 'atcr_device_x',
      service: 'reg.lan',
      budgetMs: 3000,
      env: {},
      lookup: toLoopback,
    })
    assert.equal(result.state, 'invalid')
    assert.deepEqual(seen, ['tls attempt', 'http /auth/token?service=reg.lan'])
  })

  it('the people client', async () => {
    seen.length = 0
    const client = createAppViewClient({
      baseUrl: `http://reg.lan:${port}`,
      env: {},
      retries: 0,
      lookup: toLoopback,
    })
    const result = await client.checkSecret({
      handle: 'a.test',
      deviceSecret: 'atcr_device_x',
      service: 'reg.lan',
    })
    assert.equal(result.state, 'invalid')
    assert.deepEqual(seen, ['tls attempt', 'http /auth/token?service=reg.lan'])
  })

  it('loopback goes straight to http', async () => {
    seen.length = 0
    await checkSecretLean({
      baseUrl: `http://127.0.0.1:${port}`,
      handle: 'a.test',
      deviceSecret: 'atcr_device_x',
      service: 'x',
      budgetMs: 3000,
      env: {},
    })
    assert.deepEqual(seen, ['http /auth/token?service=x'])
  })
})
