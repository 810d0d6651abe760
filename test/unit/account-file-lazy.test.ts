/**
 * Issue 9, "Scale": lookups read only the registry they use. loadAccountsLazily must see exactly what
 * loadAccounts sees wherever it looks, refuse a registry that cannot be understood where it is used
 * (with the same error), and not fail because of another registry.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import fc from 'fast-check'

import {
  AccountFileError,
  accountFilePaths,
  findRegistryInFile,
  loadAccounts,
  loadAccountsLazily,
  serializeAccountFile,
} from '../../src/lib/config/account-store.ts'
import type {AccountFile} from '../../src/lib/config/account-file.ts'
import {decode, splitCanonical} from '../../src/lib/config/lazy-account-file.ts'
import {findRegistry, listRegistries} from '../../src/lib/config/registry-entries.ts'
import {WindowedFile} from '../../src/lib/config/windowed-file.ts'

const root = mkdtempSync(path.join(tmpdir(), 'atcr-lazy-'))
after(() => rmSync(root, {recursive: true, force: true}))
let count = 0

function pathsWith(content: string | Buffer) {
  const paths = accountFilePaths({ATCR_CONFIG_DIR: path.join(root, String(count++))}, '/nonexistent')
  mkdirSync(paths.directory, {recursive: true, mode: 0o700})
  writeFileSync(paths.file, content, {mode: 0o600})
  return paths
}

const account = (handle: string, extra: Record<string, unknown> = {}) => ({
  handle,
  did: `did:plc:${handle.length}`,
  device_secret: `atcr_device_${handle}`,
  ...extra,
})

const DOCS: Record<string, unknown> = {
  'two registries, unknown fields everywhere': {
    version: 2,
    note: {kept: [1, 2, {deep: '}\n'}]},
    registries: {
      'https://atcr.io': {
        active: 'alice.test',
        accounts: {'alice.test': account('alice.test', {x: 1})},
        y: 2,
      },
      'http://localhost:5000': {
        accounts: {'bob.test': account('bob.test'), 'carol.test': account('carol.test')},
      },
    },
    trailing: 'field',
  },
  'no registries': {version: 2, registries: {}},
  'registries missing': {version: 2},
  'awkward keys': {
    version: 2,
    registries: {
      'https://quote"d.example': {accounts: {}},
      __proto__: {accounts: {}},
      'https://ünï.example': {active: '', accounts: {'x.test': account('x.test', {note: '"\\": {'})}},
      'https://atcr.io': {active: null, accounts: {}},
    },
  },
}

/** Every registry read through the lazy view, as JSON: what any lookup could see. */
const seen = (accounts: AccountFile) => JSON.parse(JSON.stringify(accounts)) as unknown

describe('loadAccountsLazily', () => {
  for (const [name, doc] of Object.entries(DOCS)) {
    const text = JSON.stringify(doc)
    for (const [layout, content] of [
      ['as the helper writes it', `${JSON.stringify(JSON.parse(text), null, 2)}\n`],
      ['compact', text],
      ['four-space indentation', JSON.stringify(JSON.parse(text), null, 4)],
    ] as const) {
      it(`sees what loadAccounts sees: ${name}, ${layout}`, () => {
        const paths = pathsWith(content)
        assert.deepEqual(seen(loadAccountsLazily(paths)), seen(loadAccounts(paths)))
        assert.deepEqual(
          listRegistries(loadAccountsLazily(paths)).map(({key, host}) => [key, host]),
          listRegistries(loadAccounts(paths)).map(({key, host}) => [key, host]),
        )
      })
    }
  }

  it('the helper’s own output takes the lazy path and round-trips exactly', () => {
    const doc = DOCS['two registries, unknown fields everywhere'] as AccountFile
    const paths = pathsWith(serializeAccountFile(structuredClone(doc)))
    assert.equal(serializeAccountFile(loadAccountsLazily(paths)), serializeAccountFile(loadAccounts(paths)))
  })

  const brokenElsewhere = () => {
    const doc = structuredClone(DOCS['two registries, unknown fields everywhere']) as {
      registries: Record<string, {accounts: Record<string, Record<string, unknown>>}>
    }
    doc.registries['http://localhost:5000']!.accounts['bob.test']!.device_secret = 42
    return doc
  }

  for (const [layout, indent] of [
    ['as the helper writes it', 2],
    ['compact', 0],
  ] as const) {
    it(`a broken registry elsewhere does not fail a lookup of another (${layout}); using it fails as a full read does`, () => {
      const paths = pathsWith(`${JSON.stringify(brokenElsewhere(), null, indent)}\n`)
      assert.equal(findRegistry(loadAccountsLazily(paths), 'atcr.io')?.entry.active, 'alice.test')
      let full: unknown
      try {
        loadAccounts(paths)
      } catch (error) {
        full = error
      }
      assert.ok(full instanceof AccountFileError, 'loadAccounts must refuse the file (people, writes)')
      assert.match(
        full.message,
        /registries\["http:\/\/localhost:5000"\]\.accounts\["bob\.test"\]\.device_secret/,
      )
      assert.throws(
        () => findRegistry(loadAccountsLazily(paths), 'localhost:5000'),
        (error) => error instanceof AccountFileError && error.message === full.message,
      )
      assert.throws(() => listRegistries(loadAccountsLazily(paths)), AccountFileError)
    })
  }

  it('in the helper’s layout, other registries are not even parsed: a syntax error there does not fail get', () => {
    const good = `${JSON.stringify(DOCS['two registries, unknown fields everywhere'], null, 2)}\n`
    const paths = pathsWith(good.replace('"handle": "bob.test",', '"handle": "bob.test",,'))
    assert.throws(() => loadAccounts(paths), AccountFileError)
    assert.equal(findRegistry(loadAccountsLazily(paths), 'atcr.io')?.entry.active, 'alice.test')
    assert.throws(() => findRegistry(loadAccountsLazily(paths), 'localhost:5000'), AccountFileError)
  })

  it('a syntax error inside the registry used is the error a full read gives', () => {
    const good = `${JSON.stringify(DOCS['two registries, unknown fields everywhere'], null, 2)}\n`
    const paths = pathsWith(good.replace('"handle": "alice.test",', '"handle": "alice.test",,'))
    let full: unknown
    try {
      loadAccounts(paths)
    } catch (error) {
      full = error
    }
    assert.ok(full instanceof AccountFileError)
    assert.throws(
      () => findRegistry(loadAccountsLazily(paths), 'atcr.io'),
      (error) => error instanceof AccountFileError && error.message === full.message,
    )
  })

  it('a file that is not an account file, or not JSON, is refused as loadAccounts refuses it', () => {
    for (const content of [
      '{"hello": 1}',
      '{',
      '',
      '{"version": 3, "registries": {}}',
      Buffer.from([0xff, 0xfe]),
    ]) {
      const paths = pathsWith(content)
      assert.throws(() => loadAccountsLazily(paths), AccountFileError, String(content))
    }
  })

  it('an older format is migrated, as loadAccounts does', () => {
    const paths = pathsWith(JSON.stringify({handle: 'alice.test', device_secret: 'atcr_device_a'}))
    const accounts = loadAccountsLazily(paths)
    assert.equal(findRegistry(accounts, 'atcr.io')?.entry.active, 'alice.test')
    assert.equal(loadAccounts(paths).version, 2)
  })
})

describe('findRegistry passes over keys that cannot name the host without parsing them', () => {
  it('still finds every spelling parseServerAddress accepts for a host', () => {
    const entry = {accounts: {}}
    const spellings: [string, string][] = [
      ['https://ATCR.IO:443/', 'atcr.io'],
      ['atcr.io.', 'atcr.io'],
      ['http://LocalHost:5000', 'localhost:5000'],
      ['http://[0:0::1]:5000', '[0:0::1]:5000'],
      ['https://[::1]', '[::1]'],
      ['http://127.0.0.1:80', '127.0.0.1'],
      ['https://buoy.cr/v2/', 'buoy.cr'],
    ]
    for (const [key, host] of spellings) {
      const accounts = {version: 2 as const, registries: {'https://other.example': entry, [key]: entry}}
      assert.equal(findRegistry(accounts, host)?.key, key, `${key} → ${host}`)
    }
  })
})

/** The hosts a lookup may ask about in DOCS: each registry's, in several spellings, and one of none. */
const HOSTS = [
  'atcr.io',
  'localhost:5000',
  'quote"d.example',
  'xn--n-eka4b.example',
  'ünï.example',
  'nowhere.example',
]

/** What a split gives, with every member's text read: comparable across byte sources. */
function splitOf(source: Parameters<typeof splitCanonical>[0]) {
  const split = splitCanonical(source)
  if (!split) return undefined
  const {registries: token, ...top} = split.top // a random token, different in every split
  assert.equal(typeof token, 'string')
  return {
    top,
    registries: split.registries.map(({key, start, end}) => [key, decode(source, start, end)]),
  }
}

/** The same file read through a WindowedFile of `windowBytes`. */
function withWindow<T>(file: string, windowBytes: number, read: (windowed: WindowedFile) => T): T {
  const fd = openSync(file, 'r')
  try {
    return read(new WindowedFile(fd, readFileSync(file).length, windowBytes))
  } finally {
    closeSync(fd)
  }
}

describe('the account file read through a small window (get, store and erase)', () => {
  it('splits exactly as the whole bytes do, at every window size', () => {
    for (const [name, doc] of Object.entries(DOCS)) {
      const paths = pathsWith(`${JSON.stringify(doc, null, 2)}\n`)
      const whole = splitOf(readFileSync(paths.file))
      for (const windowBytes of [1, 2, 3, 5, 7, 16, 64, 4096]) {
        assert.deepEqual(
          withWindow(paths.file, windowBytes, (windowed) => splitOf(windowed)),
          whole,
          `${name}, window ${windowBytes}`,
        )
      }
    }
  })

  it('finds what a search of the whole bytes finds (property)', () => {
    // Two letters: needles match often, also across a window's edge and in what an earlier read left.
    const letters = (maxLength: number, minLength = 0) =>
      fc.array(fc.constantFrom(0x61, 0x62), {minLength, maxLength}).map((array) => Buffer.from(array))
    fc.assert(
      fc.property(
        letters(300),
        letters(6, 1),
        fc.nat(310),
        fc.integer({min: 1, max: 40}),
        (content, needle, from, windowBytes) => {
          const paths = pathsWith(content)
          assert.deepEqual(
            withWindow(paths.file, windowBytes, (windowed) => {
              windowed.at(0) // a full window first: a later, shorter one at the end leaves its bytes behind
              return [windowed.indexOf(needle, from), windowed.indexOf(needle, 0)]
            }),
            [content.indexOf(needle, from), content.indexOf(needle, 0)],
          )
          // Backwards, from wherever the window was left.
          assert.deepEqual(
            withWindow(paths.file, windowBytes, (windowed) => {
              windowed.at(from % Math.max(1, content.length))
              return [windowed.lastIndexOf(needle, from), windowed.lastIndexOf(needle)]
            }),
            [content.lastIndexOf(needle, from), content.lastIndexOf(needle)],
          )
          if (content.length > 0) {
            const start = from % content.length
            assert.deepEqual(
              withWindow(paths.file, windowBytes, (windowed) => {
                windowed.at(content.length - 1) // the window is elsewhere: the slice is read for itself
                return Buffer.from(windowed.subarray(start, start + needle.length))
              }),
              content.subarray(start, start + needle.length),
            )
          }
        },
      ),
      {numRuns: 300},
    )
  })

  it('findRegistryInFile answers as findRegistry over loadAccountsLazily, in every layout', () => {
    for (const [name, doc] of Object.entries(DOCS)) {
      const text = JSON.stringify(doc)
      for (const content of [`${JSON.stringify(doc, null, 2)}\n`, text, JSON.stringify(doc, null, 4)]) {
        const paths = pathsWith(content)
        for (const host of HOSTS) {
          assert.deepEqual(
            findRegistryInFile(paths, host),
            findRegistry(loadAccountsLazily(paths), host),
            `${name}: ${host}`,
          )
        }
      }
    }
  })

  it('a later duplicate key wins, as JSON.parse decides', () => {
    const once = `${JSON.stringify({version: 2, registries: {'https://atcr.io': {active: 'a.test', accounts: {'a.test': account('a.test')}}}}, null, 2)}\n`
    const twice = once.replace(
      '\n  }\n}',
      ',\n    "https://atcr.io": {\n      "active": "b.test",\n      "accounts": {}\n    }\n  }\n}',
    )
    const paths = pathsWith(twice)
    assert.equal(findRegistryInFile(paths, 'atcr.io')?.entry.active, 'b.test')
    assert.deepEqual(findRegistryInFile(paths, 'atcr.io'), findRegistry(loadAccounts(paths), 'atcr.io'))
  })

  it('refuses what loadAccountsLazily refuses, with the same error; no file is no registry', () => {
    const good = `${JSON.stringify(DOCS['two registries, unknown fields everywhere'], null, 2)}\n`
    const broken = pathsWith(good.replace('"handle": "alice.test",', '"handle": "alice.test",,'))
    let expected: unknown
    try {
      findRegistry(loadAccountsLazily(broken), 'atcr.io')
    } catch (error) {
      expected = error
    }
    assert.ok(expected instanceof AccountFileError)
    assert.throws(
      () => findRegistryInFile(broken, 'atcr.io'),
      (error) => error instanceof AccountFileError && error.message === expected.message,
    )
    // A broken registry elsewhere is not even read.
    assert.equal(findRegistryInFile(broken, 'localhost:5000')?.key, 'http://localhost:5000')

    const missing = accountFilePaths({ATCR_CONFIG_DIR: path.join(root, 'none')}, '/nonexistent')
    assert.equal(findRegistryInFile(missing, 'atcr.io'), undefined)

    const fifo = pathsWith('')
    rmSync(fifo.file)
    assert.equal(spawnSync('mkfifo', [fifo.file]).status, 0)
    assert.throws(() => findRegistryInFile(fifo, 'atcr.io'), AccountFileError) // and does not block
  })
})
