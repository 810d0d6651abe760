/**
 * Issue 11: every string an AppView sends is made safe at the parsing boundary (contract.ts), so the
 * client, `get`'s lean check and the commands only ever see clean values.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  parseDeviceAuthorization,
  parseDeviceTokenResponse,
  parseTokenCheck,
} from '../../src/lib/appview/contract.ts'
import {checkAppViewLink} from '../../src/lib/appview/link-rule.ts'
import {serverText} from '../../src/lib/text/server-text.ts'

const ESC = '\x1b'
const OSC52 = `${ESC}]52;c;${Buffer.from('rm -rf ~').toString('base64')}\x07`
const HOSTILE = `A${ESC}[31mB${OSC52}C\nD\r\tE\x9b2JF\u202eG\x00H`
// eslint-disable-next-line no-control-regex -- the controls a hostile AppView sends
const unsafe = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/

describe('server text rule', () => {
  it('strips CSI, OSC 52, C0, C1 and bidi controls, folding line breaks into one space', () => {
    assert.equal(serverText(HOSTILE), 'ABC D EFGH')
    assert.equal(serverText(`x${ESC}]8;;https://evil${ESC}\\link${ESC}]8;;${ESC}\\y`), 'xlinky')
    assert.equal(serverText(`unterminated ${ESC}]52;c;AAAA`), 'unterminated')
  })

  it('caps the length and redacts device secrets', () => {
    assert.equal(serverText('x'.repeat(5000)).length, 300)
    assert.equal(
      serverText('bad secret atcr_device_abc123XYZ here'),
      'bad secret atcr_device_<redacted> here',
    )
  })
})

describe('link rule', () => {
  it('accepts https, and http only from a plain-http AppView', () => {
    assert.deepEqual(checkAppViewLink('https://atcr.io/device', {plainHttp: false}), {
      ok: true,
      url: 'https://atcr.io/device',
    })
    assert.equal(checkAppViewLink('http://atcr.io/device', {plainHttp: false}).ok, false)
    assert.equal(checkAppViewLink('http://127.0.0.1:5000/device', {plainHttp: true}).ok, true)
  })

  for (const bad of [
    'file:///etc/passwd',
    'smb://evil/share',
    'javascript:alert(1)',
    'x-custom://run',
    'https://user:pass@evil.example/',
    'https://atcr.io/device\nInjected: line',
    'https://atcr.io/%USERPROFILE% & calc',
    `https://atcr.io/${ESC}[2J`,
    'not a url',
    `https://atcr.io/${'a'.repeat(3000)}`,
  ]) {
    it(`refuses ${JSON.stringify(bad.slice(0, 40))} with a one-line reason`, () => {
      const check = checkAppViewLink(bad, {plainHttp: true})
      assert.equal(check.ok, false)
      if (check.ok) return
      assert.doesNotMatch(check.reason, unsafe)
      assert.ok(check.reason.length < 200)
    })
  }
})

it('keeps shell metacharacters as plain URL text (no shell ever sees them: see browser.ts)', () => {
  assert.equal(checkAppViewLink('https://atcr.io/a|b', {plainHttp: false}).ok, true)
})

describe('contract parsing of hostile answers', () => {
  it('device authorization: clean code, unsafe links replaced by the AppView address', () => {
    const parsed = parseDeviceAuthorization(
      200,
      {
        device_code: 'dc',
        user_code: `WDJB${OSC52}-MJHT\n`,
        verification_uri: 'file:///etc/passwd',
        verification_uri_complete: 'smb://evil/x',
        expires_in: 600,
      },
      'https://atcr.io',
    )
    assert.equal(parsed.userCode, 'WDJB-MJHT')
    assert.equal(parsed.verificationUri, 'https://atcr.io/')
    assert.equal(parsed.verificationUriComplete, undefined)
    assert.match(parsed.refusedLink ?? '', /file:/)
  })

  it('device authorization: http links only from a plain-http AppView', () => {
    const fields = {
      device_code: 'dc',
      user_code: 'C',
      verification_uri: 'http://127.0.0.1:9/device',
      expires_in: 1,
    }
    assert.equal(
      parseDeviceAuthorization(200, fields, 'http://127.0.0.1:9').verificationUri,
      'http://127.0.0.1:9/device',
    )
    assert.equal(parseDeviceAuthorization(200, fields, 'https://atcr.io').verificationUri, 'https://atcr.io/')
  })

  it('approved login: handle and DID stripped of controls; error codes too', () => {
    const approved = parseDeviceTokenResponse(200, {
      device_secret: 'atcr_device_x',
      handle: `alice${ESC}[8m.test\n`,
      did: `did:plc:x${OSC52}`,
    })
    assert.deepEqual(approved, {
      kind: 'approved',
      deviceSecret: 'atcr_device_x',
      handle: 'alice.test',
      did: 'did:plc:x',
    })
    const echo = parseDeviceTokenResponse(400, {error: 'bad_secret atcr_device_SECRETabc123'})
    assert.doesNotMatch((echo as {reason: string}).reason, /SECRETabc123/)
    assert.match((echo as {reason: string}).reason, /atcr_device_<redacted>/)
    const odd = parseDeviceTokenResponse(400, {error: `weird${ESC}[2J\ncode`})
    assert.equal(odd.kind, 'unavailable')
    assert.doesNotMatch((odd as {reason: string}).reason, unsafe)
  })

  it('the real AppView: any 401/403 with a login_url is an expired session, with its message', () => {
    for (const status of [401, 403]) {
      assert.deepEqual(
        parseTokenCheck(
          status,
          {
            error: 'some_upstream_code',
            message: `Session\nexpired ${ESC}[31mplease`,
            login_url: 'https://atcr.io/login',
          },
          'https://atcr.io',
        ),
        {state: 'session_expired', loginUrl: 'https://atcr.io/login', message: 'Session expired please'},
      )
    }
    assert.deepEqual(
      parseTokenCheck(401, {error: 'x', error_description: 'fallback text'}, 'https://atcr.io'),
      {
        state: 'invalid',
        message: 'fallback text',
      },
    )
  })

  it("a login_url that would break get's one-line answer is refused", () => {
    const check = parseTokenCheck(
      401,
      {error: 'oauth_session_expired', login_url: 'https://atcr.io/login\n{"Secret":"x"}'},
      'https://atcr.io',
    )
    assert.equal(check.state, 'session_expired')
    assert.equal((check as {loginUrl: string}).loginUrl, '')
    const scheme = parseTokenCheck(401, {error: 'e', login_url: 'javascript:alert(1)'}, 'https://atcr.io')
    assert.equal(scheme.state, 'session_expired')
    assert.equal((scheme as {loginUrl: string}).loginUrl, '')
    assert.match((scheme as {refusedLink?: string}).refusedLink ?? '', /^login_url: refused .*javascript:/)
  })
})
