/**
 * Issue 20: a large registry's accounts are answered from their text (account-index.ts). Over generated
 * files (the helper's layout, keys written twice, handles differing in case, DIDs with odd methods,
 * escapes, non-ASCII, wrong types, damaged bytes), every question `get` asks must get exactly the
 * answer the full parse gives, or the same error.
 */
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'

import fc from 'fast-check'

import type {RegistryEntry} from '../../src/lib/config/account-file.ts'
import {AccountIndex, accountIndexes, bytesInMemory} from '../../src/lib/config/account-index.ts'
import {
  accountFilePaths,
  findRegistryInFile,
  loadAccounts,
  loadAccountsLazily,
  serializeAccountFile,
} from '../../src/lib/config/account-store.ts'
import {
  type IndexTuning,
  lazyAccountFile,
  type RegistrySource,
  splitCanonical,
} from '../../src/lib/config/lazy-account-file.ts'
import {
  accountSpread,
  activeAccount,
  findAccount,
  findRegistry,
  onlyAccount,
} from '../../src/lib/config/registry-entries.ts'
import {resolveAccount} from '../../src/lib/identity/resolve-account.ts'

const URL = 'https://atcr.io'

/**
 * A registry's accounts read from `text` in memory, indexed (from 0 bytes, proving `chunkBytes` at a
 * time) or parsed whole (`indexFrom` infinite); undefined when not in the helper's top-level layout.
 */
function fileFrom(text: string, tuning: IndexTuning) {
  const bytes = Buffer.from(text)
  const split = splitCanonical(bytes)
  if (!split || split.top.version !== 2) return undefined // account-store.ts parses such files whole
  const fail = (error: unknown): never => {
    throw error
  }
  const later = bytesInMemory(bytes)
  return lazyAccountFile(
    split.top,
    split.registries.map(({key, start, end}): [string, RegistrySource] => [key, {bytes, start, end, later}]),
    fail,
    tuning,
  )
}

const PARSED: IndexTuning = {indexFrom: Number.POSITIVE_INFINITY}

/** The index of the members of an `accounts` object written as `text`, or undefined when refused. */
function indexOf(text: string, chunkBytes?: number): AccountIndex | undefined {
  const bytes = Buffer.from(text)
  return AccountIndex.of(bytes, 0, bytes.length, bytesInMemory(bytes), undefined, chunkBytes)
}

/**
 * Everything `get` may ask of the registry `read` finds, each answer or error as plain data; each
 * question on a fresh read (a question that parses the accounts would leave the others nothing to
 * answer from the bytes).
 */
function answers(read: () => RegistryEntry | undefined, identities: string[]) {
  const ask = (question: (entry: RegistryEntry | undefined) => unknown) => {
    try {
      return {answer: structuredClone(question(read()))}
    } catch (error) {
      return {error: String(error)}
    }
  }
  return {
    spread: ask((entry) => entry && accountSpread(entry)),
    only: ask((entry) => entry && onlyAccount(entry)),
    active: ask((entry) => entry && activeAccount(entry)),
    found: identities.map((identity) => ask((entry) => entry && findAccount(entry, identity))),
    resolved: identities.map((identity, n) =>
      ask((entry) =>
        resolveAccount({
          host: 'atcr.io',
          entry,
          ...(n % 2 ? {requestedIdentity: identity} : {}),
          ancestors: [{pid: 1, argv: ['docker', 'pull', `atcr.io/${identity}/app`]}],
        }),
      ),
    ),
  }
}

const inMemory = (text: string, tuning: IndexTuning) => () =>
  findRegistry(fileFrom(text, tuning)!, 'atcr.io')?.entry

const name = fc.constantFrom('alice.test', 'Alice.Test', 'bob.test', 'b.test', 'ALICE.TEST', '123', 'é.test')
const did = fc.constantFrom('did:plc:a', 'did:PLC:a', 'x:plc:a', 'did:plc:a:b', 'did:plc', '', 'did:web:b')
/** Mostly accounts as the helper writes them; some it never writes (wrong types, other fields). */
const account = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {handle: name, did, device_secret: fc.constant('s1'), appview_url: fc.constant('https://a.example')},
      {requiredKeys: ['handle', 'did', 'device_secret']},
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        handle: fc.oneof(name, fc.constant(''), fc.constant(7)),
        did: fc.oneof(did, fc.constant(null)),
        device_secret: fc.constantFrom('s1', 's"2', ''),
        extra: fc.constant(1),
      },
      {requiredKeys: ['handle', 'device_secret']},
    ),
  },
)
const rarely = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({weight: 4, arbitrary: fc.constant(undefined)}, {weight: 1, arbitrary})

/** A file in the helper's layout, maybe with one account written twice, maybe with a byte changed. */
const files = fc
  .record({
    accounts: fc.array(fc.tuple(name, account), {maxLength: 6}),
    active: fc.option(fc.oneof(name, fc.constant(5)), {nil: undefined}),
    duplicate: rarely(fc.tuple(fc.nat(), fc.nat())),
    escape: rarely(fc.constant(true)),
    damage: rarely(fc.tuple(fc.nat(), fc.constantFrom('"', ',', '}', ' ', 'x', '\\'))),
  })
  .map(({accounts, active, duplicate, escape, damage}) => {
    const member = (key: string, value: unknown) =>
      `        ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replaceAll('\n', '\n        ')}`
    const members = accounts.map(([key, value]) => member(key, value))
    // A key written twice (JSON.stringify cannot), with another account's value: the parsed object keeps
    // the first place and the last value.
    if (duplicate && members.length > 0) {
      const [[key], [, value]] = [
        accounts[duplicate[0] % accounts.length]!,
        accounts[duplicate[1] % accounts.length]!,
      ]
      members.splice((duplicate[0] + duplicate[1]) % (members.length + 1), 0, member(key, value))
    }
    const accountsText = members.length === 0 ? '{}' : `{\n${members.join(',\n')}\n      }`
    const activeLine = active === undefined ? '' : `      "active": ${JSON.stringify(active)},\n`
    let text = `{\n  "version": 2,\n  "registries": {\n    "${URL}": {\n${activeLine}      "accounts": ${accountsText}\n    }\n  }\n}\n`
    if (escape) text = text.replace('"alice.test"', String.raw`"\u0061lice.test"`)
    if (damage) {
      const at = damage[0] % text.length
      text = text.slice(0, at) + damage[1] + text.slice(at + 1)
    }
    return text
  })
const identities = fc.array(
  fc.oneof(name, did, fc.constantFrom('@alice.test', 'did:plc:', 'toString', 'ALİCE.test', 'K.test')),
  {minLength: 1, maxLength: 4},
)

describe('account-index: answers from the bytes', () => {
  it('are the full parse’s answers, errors included, over generated files', () => {
    let indexedRuns = 0
    fc.assert(
      fc.property(files, identities, fc.integer({min: 40, max: 400}), (text, asked, chunkBytes) => {
        if (!fileFrom(text, PARSED)) return // not the helper's top-level layout: neither path is taken
        const full = answers(inMemory(text, PARSED), asked)
        assert.deepEqual(answers(inMemory(text, {indexFrom: 0}), asked), full)
        // Proved a few accounts at a time, as a large registry is.
        assert.deepEqual(answers(inMemory(text, {indexFrom: 0, chunkBytes}), asked), full)
        if (indexOfAccounts(text)) indexedRuns++
      }),
      {numRuns: 3000},
    )
    // The generator must reach the index, not only the fallback.
    assert.ok(indexedRuns > 300, `only ${indexedRuns} runs answered from the bytes`)
  })

  it('are the full parse’s answers through the file, read by a small window and opened again for each question', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'atcr-index-file-'))
    try {
      const paths = accountFilePaths({ATCR_CONFIG_DIR: root}, '/nonexistent')
      let indexedRuns = 0
      fc.assert(
        fc.property(
          files,
          identities,
          fc.integer({min: 40, max: 400}),
          fc.integer({min: 16, max: 300}),
          (text, asked, chunkBytes, windowBytes) => {
            writeFileSync(paths.file, text, {mode: 0o600})
            const full = answers(() => findRegistry(loadAccountsLazily(paths), 'atcr.io')?.entry, asked)
            const tuning = {indexFrom: 0, chunkBytes, windowBytes}
            assert.deepEqual(
              answers(() => findRegistryInFile(paths, 'atcr.io', tuning)?.entry, asked),
              full,
            )
            if (full.spread.error === undefined) {
              const entry = findRegistryInFile(paths, 'atcr.io', tuning)?.entry
              if (entry && accountIndexes.has(entry)) indexedRuns++
            }
          },
        ),
        {numRuns: 800},
      )
      assert.ok(indexedRuns > 40, `only ${indexedRuns} runs answered from the file's bytes`)
    } finally {
      rmSync(root, {recursive: true, force: true})
    }
  })

  it('proves the layout: the helper’s output passes, anything else is refused', () => {
    const member = (key: string, body: string) => `\n        "${key}": {\n${body}\n        }`
    const ok = '          "handle": "a.test",\n          "did": "",\n          "device_secret": "s"'
    assert.ok(indexOf(member('a.test', ok)))
    assert.ok(indexOf(`${member('a.test', ok)},${member('b.test', ok)}`))
    for (const bad of [
      member('a.test', ok.replace('"s"', '""')), // empty secret
      member('a.test', ok.replace('"did": ""', '"did": 5')),
      member('a.test', ok.replace('"a.test"', String.raw`"\u0061.test"`)),
      member('a.tést', ok),
      member('12', ok), // would come first in the parsed order
      `${member('a.test', ok)}${member('b.test', ok)}`, // no comma
      `${member('a.test', ok)},`,
      member('a.test', `${ok},\n          "extra": 1`),
    ])
      assert.equal(indexOf(bad), undefined, bad)
  })
})

describe('account-index: get with 10 000 accounts in the registry it asks for', () => {
  it('finds the account from the text, parsing none of the others, as loadAccounts finds it', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'atcr-index-'))
    try {
      const paths = accountFilePaths({ATCR_CONFIG_DIR: root}, '/nonexistent')
      mkdirSync(paths.directory, {recursive: true, mode: 0o700})
      const accounts: Record<string, unknown> = {}
      for (let n = 0; n < 10_000; n++) {
        const handle = `user${n}.example.com`
        accounts[handle] = {handle, did: `did:plc:${n}`, device_secret: `atcr_device_${n}`}
      }
      const file = {version: 2 as const, registries: {[URL]: {active: 'user7.example.com', accounts}}}
      writeFileSync(paths.file, serializeAccountFile(file as never), {mode: 0o600})
      const full = findRegistry(loadAccounts(paths), 'atcr.io')!.entry
      const entry = findRegistryInFile(paths, 'atcr.io')!.entry
      for (const identity of ['USER9999.example.com', 'did:plc:5000', 'nobody.example.com'])
        assert.deepEqual(findAccount(entry, identity), findAccount(full, identity))
      assert.deepEqual(activeAccount(entry), activeAccount(full))
      assert.equal(accountSpread(entry), 2)
      assert.ok(accountIndexes.has(entry), 'the accounts were parsed')
    } finally {
      rmSync(root, {recursive: true, force: true})
    }
  })
})

/** The accounts text of a generated file when the index takes it (for counting the runs that use it). */
function indexOfAccounts(text: string): AccountIndex | undefined {
  const open = text.indexOf('"accounts": {\n')
  const close = text.indexOf('\n      }', open)
  if (open === -1 || close === -1) return undefined
  return indexOf(text.slice(open + '"accounts": {'.length, close))
}
