import assert from 'node:assert/strict'
import {createPublicKey, createVerify, X509Certificate} from 'node:crypto'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {after, before, beforeEach, describe, it} from 'node:test'

import {AppViewUnreachableError, createAppViewClient} from '../../src/lib/appview/client.ts'
import {type AppViewEmulator, startAppViewEmulator} from '../support/appview-emulator.ts'

const alice = {handle: 'alice.test', did: 'did:plc:alice'}

/** A throwaway server recording what reaches it. */
async function recordingServer(
  answer: (request: http.IncomingMessage, response: http.ServerResponse) => void,
): Promise<{url: string; seen: http.IncomingMessage[]; close: () => Promise<void>}> {
  const seen: http.IncomingMessage[] = []
  const server = http.createServer((request, response) => {
    seen.push(request)
    answer(request, response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function decodeJwt(token: string) {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(payload, 'base64url').toString()),
    signed: `${header}.${payload}`,
    signature: Buffer.from(signature, 'base64url'),
  }
}

describe('AppView client against the emulator', () => {
  let emulator: AppViewEmulator
  before(async () => {
    emulator = await startAppViewEmulator({interval: 0.05})
  })
  after(async () => {
    await emulator.close()
  })
  beforeEach(() => {
    emulator.clearFaults()
    emulator.requests.length = 0
  })

  it('runs a device authorization to an approval', async () => {
    const client = createAppViewClient({baseUrl: emulator.url})
    const authorization = await client.startDeviceAuthorization({deviceName: 'test-host'})
    assert.match(authorization.userCode, /^[A-Z]{4}-[A-Z]{4}$/)
    assert.equal(authorization.verificationUri, `${emulator.url}/device`)
    assert.equal(authorization.interval, 0.05)
    assert.deepEqual(await client.pollDeviceToken(authorization.deviceCode), {kind: 'pending'})
    emulator.approve(authorization.userCode, alice)
    await new Promise((resolve) => setTimeout(resolve, 60))
    const answer = await client.pollDeviceToken(authorization.deviceCode)
    assert.equal(answer.kind, 'approved')
    assert.match((answer as {deviceSecret: string}).deviceSecret, /^atcr_device_/)
    assert.deepEqual(await client.pollDeviceToken('unknown-code'), {kind: 'expired'})
  })

  it('tells denied and expired codes apart', async () => {
    const client = createAppViewClient({baseUrl: emulator.url})
    const denied = await client.startDeviceAuthorization({deviceName: 'h'})
    emulator.deny(denied.userCode)
    assert.deepEqual(await client.pollDeviceToken(denied.deviceCode), {kind: 'denied'})
    const expired = await client.startDeviceAuthorization({deviceName: 'h'})
    emulator.expireCode(expired.userCode)
    assert.deepEqual(await client.pollDeviceToken(expired.deviceCode), {kind: 'expired'})
  })

  it('never repeats the POST that starts an authorization', async () => {
    emulator.injectFault({path: '/auth/device/code', kind: '5xx', count: 1})
    const client = createAppViewClient({baseUrl: emulator.url})
    await assert.rejects(client.startDeviceAuthorization({deviceName: 'h'}), AppViewUnreachableError)
    assert.equal(emulator.requests.filter((request) => request.path === '/auth/device/code').length, 1)
  })

  it('reports a malformed start as unreachable, and a malformed poll as unavailable', async () => {
    const client = createAppViewClient({baseUrl: emulator.url})
    emulator.injectFault({path: '/auth/device/code', kind: 'malformed'})
    await assert.rejects(client.startDeviceAuthorization({deviceName: 'h'}), /lacks|not JSON/)
    emulator.injectFault({path: '/auth/device/token', kind: 'malformed'})
    assert.equal((await client.pollDeviceToken('x')).kind, 'unavailable')
  })

  it('checks secrets: valid with the DID, invalid, session expired', async () => {
    const client = createAppViewClient({baseUrl: emulator.url})
    const secret = emulator.addAccount(alice)
    assert.deepEqual(
      await client.checkSecret({handle: alice.handle, deviceSecret: secret, service: emulator.host}),
      {
        state: 'valid',
        did: alice.did,
      },
    )
    assert.deepEqual(
      await client.checkSecret({
        handle: alice.handle,
        deviceSecret: 'atcr_device_wrong',
        service: emulator.host,
      }),
      {state: 'invalid'},
    )
    emulator.expireSession(alice.handle)
    const expired = await client.checkSecret({
      handle: alice.handle,
      deviceSecret: secret,
      service: emulator.host,
    })
    emulator.restoreSession(alice.handle)
    assert.equal(expired.state, 'session_expired')
    assert.match((expired as {loginUrl: string}).loginUrl, /\/auth\/oauth\/login\?handle=alice\.test$/)
  })

  it('retries a safe check after a 5xx, and reports unreachable when it keeps failing', async () => {
    const client = createAppViewClient({baseUrl: emulator.url, retries: 2})
    const secret = emulator.addAccount(alice)
    emulator.injectFault({path: '/auth/token', kind: '5xx', count: 1})
    assert.equal(
      (await client.checkSecret({handle: alice.handle, deviceSecret: secret, service: 'x'})).state,
      'valid',
    )
    assert.equal(emulator.requests.filter((request) => request.path === '/auth/token').length, 2)

    emulator.injectFault({path: '/auth/token', kind: '5xx', count: 10})
    const down = await client.checkSecret({handle: alice.handle, deviceSecret: secret, service: 'x'})
    assert.equal(down.state, 'unreachable')
  })

  it('times out a hanging AppView', async () => {
    const client = createAppViewClient({baseUrl: emulator.url, timeoutMs: 300, retries: 0})
    emulator.injectFault({path: '/auth/token', kind: 'hang'})
    const result = await client.checkSecret({handle: 'a', deviceSecret: 'atcr_device_x', service: 'x'})
    assert.equal(result.state, 'unreachable')
  })

  it('reports a closed port as unreachable', async () => {
    const closed = await recordingServer(() => {})
    await closed.close()
    const client = createAppViewClient({baseUrl: closed.url, retries: 0})
    const result = await client.checkSecret({handle: 'a', deviceSecret: 'atcr_device_x', service: 'x'})
    assert.deepEqual(result, {state: 'unreachable', reason: 'connection refused'})
    await assert.rejects(
      client.startDeviceAuthorization({deviceName: 'h'}),
      /cannot reach the AppView at .*connection refused/,
    )
  })

  it('revokes a device; the secret stops working', async () => {
    const client = createAppViewClient({baseUrl: emulator.url})
    const secret = emulator.addAccount(alice)
    assert.equal(await client.revokeDevice({handle: alice.handle, deviceSecret: secret}), true)
    assert.deepEqual(await client.checkSecret({handle: alice.handle, deviceSecret: secret, service: 'x'}), {
      state: 'invalid',
    })
    assert.equal(await client.revokeDevice({handle: alice.handle, deviceSecret: secret}), false)
  })

  it('sends the User-Agent, accepts form bodies, and does not follow a redirect with the credentials', async () => {
    const elsewhere = await recordingServer((_request, response) => response.end('{}'))
    const appView = await recordingServer((request, response) => {
      if (request.url?.startsWith('/auth/token')) {
        response.writeHead(302, {location: `${elsewhere.url}/steal`}).end()
        return
      }
      response.writeHead(400, {'content-type': 'application/x-www-form-urlencoded'}).end('error=slow_down')
    })
    try {
      const client = createAppViewClient({baseUrl: appView.url})
      assert.deepEqual(await client.pollDeviceToken('x'), {kind: 'slow_down'})
      assert.match(appView.seen[0]!.headers['user-agent']!, /^docker-credential-atcr\/\S+ \(\w+; \w+\)$/)
      const result = await client.checkSecret({handle: 'a', deviceSecret: 'atcr_device_secret', service: 'x'})
      assert.equal(result.state, 'unreachable')
      assert.equal(elsewhere.seen.length, 0)
    } finally {
      await appView.close()
      await elsewhere.close()
    }
  })

  it('goes through HTTP_PROXY, and around it for NO_PROXY hosts', async () => {
    const proxy = await recordingServer((_request, response) => {
      response.writeHead(401, {'content-type': 'application/json'}).end('{"error":"invalid_credentials"}')
    })
    try {
      const viaProxy = createAppViewClient({
        baseUrl: 'http://appview.invalid',
        env: {HTTP_PROXY: proxy.url},
        retries: 0,
      })
      assert.deepEqual(
        await viaProxy.checkSecret({handle: 'a', deviceSecret: 'atcr_device_x', service: 'x'}),
        {
          state: 'invalid',
        },
      )
      assert.equal(proxy.seen[0]!.url, 'http://appview.invalid/auth/token?service=x')

      const secret = emulator.addAccount(alice)
      const bypass = createAppViewClient({
        baseUrl: emulator.url,
        env: {HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1'},
        retries: 0,
      })
      assert.equal(
        (await bypass.checkSecret({handle: alice.handle, deviceSecret: secret, service: 'x'})).state,
        'valid',
      )
      assert.equal(proxy.seen.length, 1)
    } finally {
      await proxy.close()
    }
  })
})

describe('emulator registry tokens', () => {
  let emulator: AppViewEmulator
  before(async () => {
    emulator = await startAppViewEmulator()
  })
  after(async () => {
    await emulator.close()
  })

  async function token(query: string, authorization?: string) {
    const response = await fetch(`${emulator.url}/auth/token?${query}`, {
      headers: authorization ? {authorization} : {},
    })
    return {status: response.status, body: (await response.json()) as Record<string, unknown>}
  }

  it('signs RS256 tokens with an x5c chain, granting push only on the owner namespace', async () => {
    const secret = emulator.addAccount(alice)
    const basic = `Basic ${Buffer.from(`${alice.handle}:${secret}`).toString('base64')}`
    const {status, body} = await token(
      `service=${emulator.host}&scope=repository:alice.test/app:pull,push&scope=repository:bob.test/app:pull,push`,
      basic,
    )
    assert.equal(status, 200)
    assert.equal(body.token, body.access_token)
    const jwt = decodeJwt(body.token as string)
    assert.equal(jwt.header.alg, 'RS256')
    const certificate = new X509Certificate(Buffer.from(jwt.header.x5c[0], 'base64'))
    assert.equal(certificate.toString(), new X509Certificate(emulator.tokenCertificatePem).toString())
    const verified = createVerify('RSA-SHA256')
      .update(jwt.signed)
      .verify(createPublicKey(certificate.publicKey.export({type: 'spki', format: 'pem'})), jwt.signature)
    assert.equal(verified, true)
    assert.equal(jwt.claims.iss, emulator.tokenIssuer)
    assert.equal(jwt.claims.sub, alice.did)
    assert.equal(jwt.claims.aud, emulator.host)
    assert.ok(jwt.claims.exp > jwt.claims.iat && jwt.claims.nbf <= jwt.claims.iat && jwt.claims.jti)
    assert.deepEqual(jwt.claims.access, [
      {type: 'repository', name: 'alice.test/app', actions: ['pull', 'push']},
      {type: 'repository', name: 'bob.test/app', actions: ['pull']},
    ])
  })

  it('grants push on the DID namespace too, and only pull to anonymous callers', async () => {
    const secret = emulator.addAccount(alice)
    const basic = `Basic ${Buffer.from(`${alice.handle}:${secret}`).toString('base64')}`
    const owner = decodeJwt(
      (await token(`service=x&scope=repository:${alice.did}/app:push`, basic)).body.token as string,
    )
    assert.deepEqual(owner.claims.access, [{type: 'repository', name: `${alice.did}/app`, actions: ['push']}])
    const anonymous = decodeJwt(
      (await token('service=x&scope=repository:alice.test/app:pull,push')).body.token as string,
    )
    assert.equal(anonymous.claims.sub, '')
    assert.deepEqual(anonymous.claims.access, [
      {type: 'repository', name: 'alice.test/app', actions: ['pull']},
    ])
  })

  it('proxies /v2/ to the registry upstream, keeping the Host header', async () => {
    const registry = await recordingServer((request, response) => {
      response.writeHead(201, {location: `http://${request.headers.host}/v2/x/blobs/uploads/1`}).end('ok')
    })
    try {
      emulator.setRegistryUpstream(registry.url)
      const response = await fetch(`${emulator.url}/v2/x/blobs/uploads/`, {method: 'POST', body: 'data'})
      assert.equal(response.status, 201)
      assert.equal(response.headers.get('location'), `${emulator.url}/v2/x/blobs/uploads/1`)
      assert.equal(await response.text(), 'ok')
      assert.equal(registry.seen[0]!.headers.host, emulator.host)
    } finally {
      emulator.setRegistryUpstream(undefined)
      await registry.close()
    }
  })

  it('can be driven over HTTP', async () => {
    const post = (control: string, body: object) =>
      fetch(`${emulator.url}/_emulator/${control}`, {method: 'POST', body: JSON.stringify(body)}).then((r) =>
        r.json(),
      )
    const {deviceSecret} = (await post('add-account', {handle: 'carol.test', did: 'did:plc:carol'})) as {
      deviceSecret: string
    }
    const basic = `Basic ${Buffer.from(`carol.test:${deviceSecret}`).toString('base64')}`
    assert.equal((await token('service=x', basic)).status, 200)
    await post('expire-session', {handle: 'carol.test'})
    assert.equal((await token('service=x', basic)).body.error, 'oauth_session_expired')
    await post('restore-session', {handle: 'carol.test'})
    await post('revoke', {deviceSecret})
    assert.equal((await token('service=x', basic)).body.error, 'invalid_credentials')
  })
})
