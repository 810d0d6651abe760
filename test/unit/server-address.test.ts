import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  canonicalHost,
  InvalidServerAddressError,
  parseServerAddress,
} from '../../src/lib/registry/server-address.ts'

describe('parseServerAddress', () => {
  const sameRegistry = [
    'atcr.io',
    'https://atcr.io',
    'https://atcr.io/',
    'atcr.io:443',
    'ATCR.IO',
    ' atcr.io\n',
    'atcr.io\r\n',
    'https://atcr.io:443/v2/',
    // One trailing dot is the DNS root: the same host.
    'atcr.io.',
    'https://atcr.io.:443/',
  ]
  for (const form of sameRegistry) {
    it(`maps ${JSON.stringify(form)} to atcr.io`, () => {
      assert.equal(parseServerAddress(form).host, 'atcr.io')
    })
  }

  it('keeps non-default ports and loopback hosts', () => {
    assert.equal(parseServerAddress('localhost:5000').host, 'localhost:5000')
    assert.equal(parseServerAddress('http://127.0.0.1:5000/').host, '127.0.0.1:5000')
    assert.equal(parseServerAddress('http://localhost:80').host, 'localhost')
    assert.equal(parseServerAddress('localhost:80').host, 'localhost:80')
  })

  it('accepts bracketed IPv6 with a port', () => {
    const address = parseServerAddress('[::1]:5000')
    assert.equal(address.host, '[::1]:5000')
    assert.equal(address.hostname, '::1')
  })

  it("accepts Docker Hub's legacy URL with a path", () => {
    assert.equal(parseServerAddress('https://index.docker.io/v1/').host, 'index.docker.io')
  })

  const hostile = [
    '',
    '   ',
    'ftp://atcr.io',
    'file:///etc/passwd',
    'atcr.io/../../etc',
    'user@atcr.io',
    'atcr.io\u0000evil',
    'a b',
    '::1',
    'atcr.io:99999',
    '[::1',
    'https://',
    '-bad-.io!',
    // Found by the property test in CI: stripping one dot left `0.`, which parsed again as `0`.
    '0..',
    'atcr.io..',
    '.',
  ]
  for (const input of hostile) {
    it(`rejects ${JSON.stringify(input)} with a one-line reason`, () => {
      assert.throws(
        () => parseServerAddress(input),
        (error: Error) => {
          assert.ok(error instanceof InvalidServerAddressError)
          assert.ok(!error.message.includes('\n'))
          return true
        },
      )
    })
  }

  it('canonicalHost answers undefined instead of throwing', () => {
    assert.equal(canonicalHost('ftp://x'), undefined)
    assert.equal(canonicalHost('https://buoy.cr'), 'buoy.cr')
  })
})
