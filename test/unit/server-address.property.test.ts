/**
 * Property-based tests of the server-address parser (src/lib/registry/server-address.ts): every form
 * a client may send for one registry maps to the same canonical host, parsing the canonical host is
 * idempotent, and arbitrary input either parses or fails with InvalidServerAddressError.
 * Also counted by the reliability suite (npm run test:faults).
 */
import assert from 'node:assert/strict'
import {test} from 'node:test'

import fc from 'fast-check'

import {
  canonicalHost,
  InvalidServerAddressError,
  parseServerAddress,
} from '../../src/lib/registry/server-address.ts'

const NUM_RUNS = Number(process.env.ATCR_PROPERTY_RUNS ?? 300)

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?$/)
const hostname = fc.oneof(
  fc
    .tuple(fc.array(label, {minLength: 1, maxLength: 4}), fc.stringMatching(/^[a-z]{2,6}$/))
    .map(([l, t]) => [...l, t].join('.')),
  fc.constant('localhost'),
  fc.ipV4(),
)
const port = fc.option(fc.integer({min: 1, max: 65_535}), {nil: undefined})

function hostOf(name: string, p: number | undefined): string {
  return p === undefined || p === 443 ? name : `${name}:${p}`
}

test('every spelling of a registry maps to one canonical host', () => {
  fc.assert(
    fc.property(hostname, port, fc.constantFrom('', '/', '/v2/', '/v1/'), (name, p, path) => {
      const expected = hostOf(name, p)
      const bare = p === undefined ? name : `${name}:${p}`
      for (const form of [
        bare,
        `https://${bare}${path}`,
        ` ${bare}\n`,
        bare.toUpperCase(),
        `HTTPS://${bare}${path}`,
        `${bare}${path}`,
      ]) {
        assert.equal(parseServerAddress(form).host, expected, form)
      }
      if (p === undefined) assert.equal(parseServerAddress(`${name}:443`).host, name)
    }),
    {numRuns: 300},
  )
})

test('parsing the canonical host is idempotent', () => {
  const input = fc.oneof(
    fc.string({maxLength: 60}),
    fc.tuple(hostname, port).map(([n, p]) => (p === undefined ? n : `${n}:${p}`)),
    fc.tuple(fc.ipV6(), port).map(([ip, p]) => `[${ip}]${p === undefined ? '' : `:${p}`}`),
    fc.webUrl(),
  )
  fc.assert(
    fc.property(input, (text) => {
      const host = canonicalHost(text)
      if (host === undefined) return
      assert.equal(canonicalHost(host), host)
      assert.equal(canonicalHost(`https://${host}/`), host)
    }),
    {numRuns: NUM_RUNS},
  )
})

test('arbitrary input parses or fails with InvalidServerAddressError, never anything else', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string({unit: 'binary', maxLength: 300}), fc.string({maxLength: 300}), fc.webUrl()),
      (text) => {
        try {
          parseServerAddress(text)
        } catch (error) {
          assert.ok(error instanceof InvalidServerAddressError, String(error))
          assert.ok(!(error as Error).message.includes('\n'), 'one line')
        }
      },
    ),
    {numRuns: NUM_RUNS * 3},
  )
})

test('a canonical host is lower case and holds no path, user, space or control character', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string({maxLength: 80}), fc.webUrl({withQueryParameters: true, withFragments: true})),
      (text) => {
        const host = canonicalHost(text)
        if (host === undefined) return
        assert.equal(host, host.toLowerCase())
        // eslint-disable-next-line no-control-regex
        assert.doesNotMatch(host, /[/@\s\u0000-\u001f\u007f?#\\]/)
      },
    ),
    {numRuns: NUM_RUNS},
  )
})

test('user info, relative segments, control characters and other schemes are refused', () => {
  const bad = fc.oneof(
    fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), hostname).map(([user, host]) => `${user}@${host}`),
    fc.tuple(hostname, fc.constantFrom('..', '.')).map(([host, seg]) => `${host}/${seg}/x`),
    fc
      .tuple(hostname, fc.integer({min: 0, max: 31}))
      .map(([host, code]) => `${host}${String.fromCharCode(code)}x`),
    fc
      .tuple(fc.constantFrom('file', 'ftp', 'ssh', 'gopher', 'javascript', 'docker'), hostname)
      .map(([s, h]) => `${s}://${h}`),
  )
  fc.assert(
    fc.property(bad, (text) => {
      assert.throws(() => parseServerAddress(text), InvalidServerAddressError, JSON.stringify(text))
    }),
    {numRuns: NUM_RUNS},
  )
})

test('bracketed IPv6 hosts round-trip; unbracketed ones with more than one colon are refused', () => {
  fc.assert(
    fc.property(fc.ipV6(), port, (ip, p) => {
      const bracketed = `[${ip}]${p === undefined ? '' : `:${p}`}`
      const host = parseServerAddress(bracketed).host
      assert.equal(canonicalHost(host), host)
      assert.ok(host.startsWith('['), host)
      assert.throws(() => parseServerAddress(`${ip}:5000`), InvalidServerAddressError)
    }),
    {numRuns: NUM_RUNS},
  )
})
