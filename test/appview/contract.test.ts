import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  basicAuthorization,
  parseBasicAuthorization,
  parseBody,
  parseDeviceAuthorization,
  parseDeviceTokenResponse,
  parseTokenCheck,
  subjectOfJwt,
  tokenCheckUrl,
  userAgent,
} from '../../src/lib/appview/contract.ts'

const jwt = (claims: object) =>
  `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`

describe('AppView contract', () => {
  it('builds the User-Agent as docker-credential-atcr/<version> (<os>; <arch>)', () => {
    assert.equal(userAgent('1.2.3', 'linux', 'x64'), 'docker-credential-atcr/1.2.3 (linux; x64)')
    assert.match(userAgent(), /^docker-credential-atcr\/\d+\.\d+\.\d+\S* \(\w+; \w+\)$/)
  })

  it('round-trips Basic authorization, keeping colons in the secret', () => {
    const header = basicAuthorization('alice.test', 'atcr_device_a:b')
    assert.deepEqual(parseBasicAuthorization(header), {user: 'alice.test', password: 'atcr_device_a:b'})
    assert.equal(parseBasicAuthorization('Bearer x'), undefined)
  })

  it('puts the registry host in the service parameter', () => {
    assert.equal(tokenCheckUrl('https://atcr.io/', 'atcr.io'), 'https://atcr.io/auth/token?service=atcr.io')
  })

  it('reads JSON and form bodies, and nothing else', () => {
    assert.deepEqual(parseBody('{"a":1}', 'application/json; charset=utf-8'), {a: 1})
    assert.deepEqual(parseBody('a=1&b=x%20y', 'application/x-www-form-urlencoded'), {a: '1', b: 'x y'})
    assert.deepEqual(parseBody('{"a":1}', undefined), {a: 1})
    assert.equal(parseBody('{"trunc', 'application/json'), undefined)
    assert.equal(parseBody('<html>502</html>', 'text/html'), undefined)
    assert.equal(parseBody('[1]', 'application/json'), undefined)
    assert.equal(parseBody('', 'application/json'), undefined)
  })

  it('parses a device authorization, defaulting the interval and ignoring unknown fields', () => {
    const parsed = parseDeviceAuthorization(200, {
      device_code: 'dc',
      user_code: 'WDJB-MJHT',
      verification_uri: 'https://atcr.io/device',
      expires_in: '600',
      extra: true,
    })
    assert.deepEqual(parsed, {
      deviceCode: 'dc',
      userCode: 'WDJB-MJHT',
      verificationUri: 'https://atcr.io/device',
      verificationUriComplete: undefined,
      expiresIn: 600,
      interval: 5,
    })
    assert.throws(
      () => parseDeviceAuthorization(200, {device_code: 'dc'}),
      /lacks user_code, verification_uri, expires_in/,
    )
    assert.throws(() => parseDeviceAuthorization(404, undefined), /answered 404/)
  })

  it('maps every polling answer', () => {
    const error = (code: string) => parseDeviceTokenResponse(400, {error: code})
    assert.deepEqual(error('authorization_pending'), {kind: 'pending'})
    assert.deepEqual(error('slow_down'), {kind: 'slow_down'})
    assert.deepEqual(error('expired_token'), {kind: 'expired'})
    assert.deepEqual(error('access_denied'), {kind: 'denied'})
    assert.equal(error('invalid_grant').kind, 'unavailable')
    assert.equal(parseDeviceTokenResponse(503, undefined).kind, 'unavailable')
    assert.equal(parseDeviceTokenResponse(200, {handle: 'a'}).kind, 'unavailable')
    assert.deepEqual(parseDeviceTokenResponse(200, {device_secret: 's', handle: 'a', did: 'did:plc:x'}), {
      kind: 'approved',
      deviceSecret: 's',
      handle: 'a',
      did: 'did:plc:x',
    })
  })

  it('maps every secret-check answer, taking the DID from the token subject', () => {
    assert.deepEqual(parseTokenCheck(200, {token: jwt({sub: 'did:plc:abc'})}), {
      state: 'valid',
      did: 'did:plc:abc',
    })
    assert.deepEqual(parseTokenCheck(200, {access_token: jwt({})}), {state: 'valid', did: ''})
    assert.deepEqual(parseTokenCheck(401, {error: 'invalid_credentials'}), {state: 'invalid'})
    assert.deepEqual(parseTokenCheck(401, undefined), {state: 'invalid'})
    assert.deepEqual(parseTokenCheck(403, {error: 'oauth_session_expired', login_url: 'https://x/login'}), {
      state: 'session_expired',
      loginUrl: 'https://x/login',
    })
    assert.equal(parseTokenCheck(403, {error: 'denied'}).state, 'unreachable')
    assert.equal(parseTokenCheck(502, undefined).state, 'unreachable')
    assert.equal(parseTokenCheck(200, {}).state, 'unreachable')
  })

  it('reads the subject of a JWT and survives garbage', () => {
    assert.equal(subjectOfJwt(jwt({sub: 'did:plc:x'})), 'did:plc:x')
    assert.equal(subjectOfJwt('not-a-jwt'), undefined)
    assert.equal(subjectOfJwt('a.%%%.c'), undefined)
  })
})
