/**
 * Property-based tests of the image-reference parser (src/lib/identity/image-reference.ts): for any
 * generated `host/identity/repo[:tag][@digest]` the parser finds that identity for that host and none
 * for another host, in every form a client command line carries it, and it never throws.
 * Also counted by the reliability suite (npm run test:faults).
 */
import assert from 'node:assert/strict'
import {test} from 'node:test'

import fc from 'fast-check'

import {identitiesInCommandLine, identityInReference} from '../../src/lib/identity/image-reference.ts'
import {canonicalHost} from '../../src/lib/registry/server-address.ts'

const NUM_RUNS = Number(process.env.ATCR_PROPERTY_RUNS ?? 300)

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?$/)
const tld = fc.stringMatching(/^[a-z]{2,6}$/)
/** A registry host as clients write it: name or IPv4 or bracketed IPv6, optional port. */
const registryHost = fc
  .tuple(
    fc.oneof(
      fc
        .tuple(fc.array(label, {minLength: 1, maxLength: 3}), tld)
        .map(([labels, top]) => [...labels, top].join('.')),
      fc.constant('localhost'),
      fc.ipV4(),
      fc.constantFrom('[::1]', '[2001:db8::1]', '[fe80::1]'),
    ),
    fc.option(fc.integer({min: 1, max: 65_535}), {nil: undefined}),
  )
  .map(([name, port]) => (port === undefined ? name : `${name}:${port}`))

const handle = fc
  .tuple(fc.array(label, {minLength: 1, maxLength: 3}), tld)
  .map(([labels, top]) => [...labels, top].join('.'))
const did = fc.oneof(
  fc.stringMatching(/^[a-z2-7]{8,24}$/).map((id) => `did:plc:${id}`),
  handle.map((domain) => `did:web:${domain}`),
)
const identity = fc.oneof(handle, did)
const repo = fc
  .array(fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/), {minLength: 1, maxLength: 3})
  .map((parts) => parts.join('/'))
const tag = fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), {nil: undefined})
const digest = fc.option(
  fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`),
  {nil: undefined},
)

const reference = fc.record({host: registryHost, identity, repo, tag, digest}).map((parts) => ({
  ...parts,
  text: `${parts.host}/${parts.identity}/${parts.repo}${parts.tag ? `:${parts.tag}` : ''}${parts.digest ? `@${parts.digest}` : ''}`,
}))

test('a generated reference names its identity for its host', () => {
  fc.assert(
    fc.property(reference, (ref) => {
      const host = canonicalHost(ref.host)
      assert.ok(host !== undefined, `generated host ${ref.host} must be valid`)
      assert.equal(identityInReference(ref.text, host), ref.identity)
      assert.equal(identityInReference(`docker://${ref.text}`, host), ref.identity)
    }),
    {numRuns: NUM_RUNS},
  )
})

test('a generated reference names no identity for any other host', () => {
  fc.assert(
    fc.property(reference, registryHost, (ref, otherHost) => {
      const host = canonicalHost(ref.host)
      const other = canonicalHost(otherHost)
      fc.pre(other !== undefined && other !== host)
      assert.equal(identityInReference(ref.text, other!), undefined)
      assert.deepEqual(identitiesInCommandLine(['docker', 'pull', ref.text], other!), [])
    }),
    {numRuns: NUM_RUNS},
  )
})

test('every command-line form yields the identity once', () => {
  const form = fc.constantFrom(
    (r: string) => ['docker', 'pull', r],
    (r: string) => ['docker', 'pull', '--platform', 'linux/amd64', r],
    (r: string) => ['docker', 'build', '-t', r, '.'],
    (r: string) => ['docker', 'build', `--tag=${r}`, '.'],
    (r: string) => ['skopeo', 'inspect', '--tls-verify=false', `docker://${r}`],
    (r: string) => ['podman', '--root', '/tmp/x', 'push', 'local', r],
  )
  fc.assert(
    fc.property(reference, form, (ref, argv) => {
      const host = canonicalHost(ref.host)!
      assert.deepEqual(identitiesInCommandLine(argv(ref.text), host), [ref.identity])
    }),
    {numRuns: NUM_RUNS},
  )
})

test('a handle written with @ or in upper case is still found', () => {
  fc.assert(
    fc.property(registryHost, handle, repo, (host, name, path) => {
      const canonical = canonicalHost(host)!
      assert.equal(identityInReference(`${host}/@${name}/${path}`, canonical), name)
      assert.equal(
        identityInReference(`${host}/${name.toUpperCase()}/${path}`, canonical),
        name.toUpperCase(),
      )
    }),
    {numRuns: NUM_RUNS},
  )
})

test('a reference without a repository names nobody', () => {
  fc.assert(
    fc.property(registryHost, identity, (host, who) => {
      const canonical = canonicalHost(host)!
      assert.equal(identityInReference(`${host}/${who}`, canonical), undefined)
      assert.equal(identityInReference(`${host}/${who}/`, canonical), undefined)
    }),
    {numRuns: NUM_RUNS},
  )
})

test('identitiesInCommandLine never throws on arbitrary strings', () => {
  const text = fc.oneof(
    fc.string({unit: 'binary', maxLength: 200}),
    fc.string({maxLength: 200}),
    reference.map((r) => r.text),
  )
  fc.assert(
    fc.property(fc.array(text, {maxLength: 12}), text, (argv, host) => {
      const found = identitiesInCommandLine(argv, host)
      assert.ok(Array.isArray(found))
      for (const item of found) assert.equal(typeof item, 'string')
      const one = identityInReference(argv[0] ?? '', host)
      assert.ok(one === undefined || typeof one === 'string')
    }),
    {numRuns: NUM_RUNS * 3},
  )
})

test('identities found are always a handle or a DID, never a path or a URL', () => {
  const text = fc.oneof(
    fc.string({maxLength: 80}),
    reference.map((r) => r.text),
  )
  fc.assert(
    fc.property(fc.array(text, {maxLength: 8}), registryHost, (argv, host) => {
      for (const found of identitiesInCommandLine(['x', ...argv], canonicalHost(host)!)) {
        assert.match(found, /^(?:did:[a-z0-9]+:[a-z0-9._:%-]+|[a-z0-9.-]+)$/i)
        assert.ok(!found.includes('/') && !found.includes('..'), found)
      }
    }),
    {numRuns: NUM_RUNS},
  )
})
