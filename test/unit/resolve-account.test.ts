import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {RegistryEntry} from '../../src/lib/config/account-file.ts'
import {resolveAccount} from '../../src/lib/identity/resolve-account.ts'

const alice = {handle: 'alice.bsky.social', did: 'did:plc:alice', device_secret: 'atcr_device_a'}
const bob = {handle: 'bob.example.com', did: 'did:plc:bob', device_secret: 'atcr_device_b'}
const carol = {handle: 'carol.test', did: '', device_secret: 'atcr_device_c'}

const entry = (active?: string, ...accounts: (typeof alice)[]): RegistryEntry => ({
  active,
  accounts: Object.fromEntries(accounts.map((account) => [account.handle, account])),
})
const parent = (line: string) => [{pid: 100, argv: line.split(' ')}]

function chosen(input: Parameters<typeof resolveAccount>[0]) {
  const result = resolveAccount(input)
  return result.outcome === 'chosen' ? `${result.account.handle} by ${result.rule}` : result.outcome
}

describe('resolveAccount', () => {
  it('ATCR_ACCOUNT wins over the command line and the active account, by handle or DID', () => {
    const registry = entry('alice.bsky.social', alice, bob)
    const ancestors = parent('docker push atcr.io/alice.bsky.social/app')
    assert.equal(
      chosen({host: 'atcr.io', entry: registry, requestedIdentity: 'bob.example.com', ancestors}),
      'bob.example.com by ATCR_ACCOUNT',
    )
    assert.equal(
      chosen({host: 'atcr.io', entry: registry, requestedIdentity: 'did:plc:bob', ancestors}),
      'bob.example.com by ATCR_ACCOUNT',
    )
    assert.equal(
      chosen({host: 'atcr.io', entry: registry, requestedIdentity: 'BOB.example.com', ancestors}),
      'bob.example.com by ATCR_ACCOUNT',
    )
  })

  it('an ATCR_ACCOUNT that is not an account here falls through', () => {
    const lines: string[] = []
    const result = chosen({
      host: 'atcr.io',
      entry: entry('alice.bsky.social', alice, bob),
      requestedIdentity: 'nobody.test',
      ancestors: [],
      explain: (line) => lines.push(line),
    })
    assert.equal(result, 'alice.bsky.social by active account')
    assert.match(lines.join('\n'), /ATCR_ACCOUNT=nobody.test is not an account of atcr.io/)
  })

  it('an ATCR_ACCOUNT that names no account on any registry is refused, naming the accounts it could mean', () => {
    const registry = entry('alice.bsky.social', alice, bob)
    const otherRegistries = () => [{host: 'buoy.cr', entry: entry(undefined, carol)}]
    assert.deepEqual(
      resolveAccount({
        host: 'atcr.io',
        entry: registry,
        requestedIdentity: 'alcie.bsky.social',
        ancestors: [],
        otherRegistries,
      }),
      {
        outcome: 'unknown ATCR_ACCOUNT',
        requested: 'alcie.bsky.social',
        candidates: ['alice.bsky.social'],
        close: true,
        more: 0,
      },
    )
    assert.deepEqual(
      resolveAccount({
        host: 'atcr.io',
        entry: registry,
        requestedIdentity: 'zed.test',
        ancestors: [],
        otherRegistries,
      }),
      {
        outcome: 'unknown ATCR_ACCOUNT',
        requested: 'zed.test',
        candidates: ['alice.bsky.social', 'bob.example.com'],
        close: false,
        more: 0,
      },
    )
  })

  it('an ATCR_ACCOUNT of another registry only falls through, and says so', () => {
    const lines: string[] = []
    const result = chosen({
      host: 'atcr.io',
      entry: entry('alice.bsky.social', alice, bob),
      requestedIdentity: 'carol.test',
      ancestors: [],
      otherRegistries: () => [{host: 'buoy.cr', entry: entry(undefined, carol)}],
      explain: (line) => lines.push(line),
    })
    assert.equal(result, 'alice.bsky.social by active account')
    assert.match(lines.join('\n'), /ATCR_ACCOUNT=carol\.test is an account of buoy\.cr, not of atcr\.io/)
  })

  it('the command line beats the active account', () => {
    assert.equal(
      chosen({
        host: 'atcr.io',
        entry: entry('alice.bsky.social', alice, bob),
        ancestors: parent('docker push atcr.io/bob.example.com/app:1'),
      }),
      'bob.example.com by command line',
    )
    assert.equal(
      chosen({
        host: 'atcr.io',
        entry: entry('alice.bsky.social', alice, bob),
        ancestors: parent('docker pull atcr.io/did:plc:bob/app'),
      }),
      'bob.example.com by command line',
    )
  })

  it('two known accounts on the command line are ambiguous: fall through to the active account', () => {
    const lines: string[] = []
    const result = chosen({
      host: 'h.io',
      entry: entry('alice.bsky.social', alice, bob),
      ancestors: parent('skopeo copy docker://h.io/alice.bsky.social/x docker://h.io/bob.example.com/y'),
      explain: (line) => lines.push(line),
    })
    assert.equal(result, 'alice.bsky.social by active account')
    assert.match(lines.join('\n'), /ambiguous/)
  })

  it('an unknown identity next to a known one does not make it ambiguous', () => {
    assert.equal(
      chosen({
        host: 'h.io',
        entry: entry(undefined, alice, bob),
        ancestors: parent('skopeo copy docker://h.io/zed.test/x docker://h.io/bob.example.com/y'),
      }),
      'bob.example.com by command line',
    )
  })

  it("a trusted plugin's choice is its own rule: after the command line, before the active account", () => {
    const registry = entry('alice.bsky.social', alice, bob)
    const pluginChoice = {plugin: 'atcr-plugin-x', key: 'bob.example.com', reason: 'it read bob'}
    assert.equal(
      chosen({host: 'atcr.io', entry: registry, ancestors: parent('client push'), pluginChoice}),
      'bob.example.com by plugin atcr-plugin-x',
    )
    const named = parent('docker push atcr.io/alice.bsky.social/app')
    assert.equal(
      chosen({host: 'atcr.io', entry: registry, ancestors: named, pluginChoice}),
      'alice.bsky.social by command line',
    )
    assert.equal(
      chosen({
        host: 'atcr.io',
        entry: registry,
        requestedIdentity: 'alice.bsky.social',
        ancestors: [],
        pluginChoice,
      }),
      'alice.bsky.social by ATCR_ACCOUNT',
    )
  })

  it('with one account, reads no ancestor unless asked to explain: the answer is the same either way', () => {
    let read = 0
    const ancestors = {
      *[Symbol.iterator]() {
        read++
        yield {pid: 100, argv: ['docker', 'push', 'atcr.io/alice.bsky.social/app']}
      },
    }
    for (const active of [undefined, 'alice.bsky.social']) {
      assert.equal(
        chosen({host: 'atcr.io', entry: entry(active, alice), ancestors}),
        `alice.bsky.social by ${active ? 'active' : 'only'} account`,
      )
    }
    assert.equal(read, 0)
    const lines: string[] = []
    assert.equal(
      chosen({
        host: 'atcr.io',
        entry: entry(undefined, alice),
        ancestors,
        explain: (line) => lines.push(line),
      }),
      'alice.bsky.social by command line',
    )
    assert.equal(read, 1)
  })

  it('looks further up past a shell', () => {
    const ancestors = [
      {pid: 3, argv: ['sh', '-c', 'docker-credential-atcr get']},
      {pid: 2, argv: ['docker', 'push', 'atcr.io/bob.example.com/app']},
    ]
    assert.equal(
      chosen({host: 'atcr.io', entry: entry('alice.bsky.social', alice, bob), ancestors}),
      'bob.example.com by command line',
    )
  })

  it('falls back to the only account, then gives up', () => {
    assert.equal(
      chosen({host: 'atcr.io', entry: entry(undefined, carol), ancestors: []}),
      'carol.test by only account',
    )
    assert.equal(chosen({host: 'atcr.io', entry: entry(undefined, alice, bob), ancestors: []}), 'ambiguous')
    assert.equal(chosen({host: 'atcr.io', entry: entry('gone.test', alice, bob), ancestors: []}), 'ambiguous')
    assert.equal(chosen({host: 'atcr.io', entry: undefined, ancestors: []}), 'no accounts')
    assert.equal(chosen({host: 'atcr.io', entry: entry(undefined), ancestors: []}), 'no accounts')
  })

  it('reads ancestors lazily and stops at the first answer', () => {
    let read = 0
    function* ancestors() {
      read++
      yield {pid: 9, argv: ['docker', 'push', 'atcr.io/alice.bsky.social/app']}
      read++
      yield {pid: 8, argv: ['bash']}
    }
    chosen({host: 'atcr.io', entry: entry(undefined, alice, bob), ancestors: ancestors()})
    assert.equal(read, 1)
  })

  it('never reveals a secret in explanations', () => {
    const lines: string[] = []
    resolveAccount({
      host: 'atcr.io',
      entry: entry(undefined, alice, bob),
      requestedIdentity: 'alice.bsky.social',
      ancestors: parent('docker push atcr.io/alice.bsky.social/app'),
      explain: (line) => lines.push(line),
    })
    assert.ok(!lines.join('').includes('atcr_device_'))
  })
})
