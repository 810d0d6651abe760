/**
 * Issue 17: loopback means a loopback address. `registry.localhost` counted as loopback by its name, so
 * the device secret went over plain http to whatever address DNS gave for it; and `localhost` itself was
 * resolved through /etc/hosts and DNS, whose answer could be another machine. Now only 127.0.0.0/8, ::1
 * and the name `localhost` are loopback, and `localhost` is connected to 127.0.0.1 directly.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import type {AddressInfo, LookupFunction} from 'node:net'
import {after, before, describe, it} from 'node:test'

import {createAppViewClient} from '../../src/lib/appview/client.ts'
import {appViewUrlFor, httpsFirstFor, isLoopbackHost} from '../../src/lib/registry/appview-url.ts'
import {checkSecretLean} from '../../src/lib/session-check/check-secret-lean.ts'

const none = () => []

describe('loopback is an address, not a name', () => {
  it('*.localhost is not loopback: https, and a stored plain-http URL for it is upgraded', () => {
    for (const name of ['registry.localhost', 'a.b.localhost', 'REGISTRY.LOCALHOST', 'localhost.example'])
      assert.equal(isLoopbackHost(name), false, name)
    assert.equal(
      appViewUrlFor('registry.localhost', {insecureRegistries: none}),
      'https://registry.localhost',
    )
    assert.equal(
      appViewUrlFor('registry.localhost:5000', {insecureRegistries: none}),
      'https://registry.localhost:5000',
    )
    assert.equal(
      appViewUrlFor('registry.localhost', {
        insecureRegistries: none,
        accountAppViewUrl: 'http://registry.localhost:5000',
      }),
      'https://registry.localhost:5000',
    )
    assert.equal(httpsFirstFor('http://registry.localhost:5000'), true)
  })

  it('a configured-insecure *.localhost keeps http, as any insecure registry does', () => {
    assert.equal(
      appViewUrlFor('registry.localhost:5000', {insecureRegistries: () => ['registry.localhost:5000']}),
      'http://registry.localhost:5000',
    )
  })

  it('127.0.0.0/8, ::1 and localhost are loopback', () => {
    for (const name of ['localhost', 'LOCALHOST', '127.0.0.1', '127.255.0.9', '::1', '[::1]'])
      assert.equal(isLoopbackHost(name), true, name)
    for (const name of ['128.0.0.1', '::2', '::ffff:10.0.0.1', '0.0.0.0'])
      assert.equal(isLoopbackHost(name), false, name)
  })
})

describe('localhost is connected to 127.0.0.1 directly, never through the resolver', () => {
  let server: http.Server
  let port = 0
  const asked: string[] = []
  /** A resolver that sends every name elsewhere (a hostile /etc/hosts or DNS answer). */
  const elsewhere: LookupFunction = (hostname, options, callback) => {
    asked.push(hostname)
    if ((options as {all?: boolean}).all)
      (callback as (e: null, a: {address: string; family: number}[]) => void)(null, [
        {address: '192.0.2.1', family: 4},
      ])
    else callback(null, '192.0.2.1', 4)
  }
  before(async () => {
    server = http.createServer((request, response) => {
      request.resume()
      response.writeHead(401, {'content-type': 'application/json'}).end('{"error":"invalid_credentials"}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  after(() => {
    server.closeAllConnections()
    server.close()
  })

  it("get's lean check", async () => {
    asked.length = 0
    const result = await checkSecretLean({
      baseUrl: `http://localhost:${port}`,
      handle: 'a.test',
      deviceSecret: 'atcr_device_x',
      service: `localhost:${port}`,
      budgetMs: 3000,
      env: {},
      lookup: elsewhere,
    })
    assert.equal(result.state, 'invalid', JSON.stringify(result))
    assert.deepEqual(asked, [])
  })

  it('the people client', async () => {
    asked.length = 0
    const client = createAppViewClient({
      baseUrl: `http://localhost:${port}`,
      env: {},
      retries: 0,
      lookup: elsewhere,
    })
    const result = await client.checkSecret({handle: 'a.test', deviceSecret: 'atcr_device_x', service: 'x'})
    assert.equal(result.state, 'invalid', JSON.stringify(result))
    assert.deepEqual(asked, [])
  })
})

describe("get's name resolution is bounded by the check's budget", () => {
  it('a resolver that never answers: unreachable within the budget, saying the name did not resolve', async () => {
    const never: LookupFunction = () => {}
    const started = performance.now()
    const result = await checkSecretLean({
      baseUrl: 'https://registry.example',
      handle: 'a.test',
      deviceSecret: 'atcr_device_x',
      service: 'registry.example',
      budgetMs: 300,
      env: {},
      lookup: never,
    })
    const ms = performance.now() - started
    assert.equal(result.state, 'unreachable')
    assert.match((result as {reason: string}).reason, /registry\.example did not resolve within \d+ ms/)
    assert.ok(ms < 1000, `took ${Math.round(ms)} ms`)
  })
})
