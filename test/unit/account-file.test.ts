import assert from 'node:assert/strict'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'

import {
  AccountFileFormatError,
  migrateAccountFile,
  validateAccountFile,
} from '../../src/lib/config/account-file.ts'
import {
  AccountFileError,
  accountFilePaths,
  loadAccounts,
  updateAccounts,
} from '../../src/lib/config/account-store.ts'
import {withFileLock} from '../../src/lib/config/file-lock.ts'

function tempPaths() {
  const directory = mkdtempSync(path.join(tmpdir(), 'atcr-store-'))
  return accountFilePaths({ATCR_CONFIG_DIR: path.join(directory, '.atcr')}, '/nonexistent-home')
}

const V2 = {
  version: 2,
  future_field: {kept: true},
  registries: {
    'https://atcr.io': {
      active: 'alice.bsky.social',
      accounts: {
        'alice.bsky.social': {
          handle: 'alice.bsky.social',
          did: 'did:plc:alice',
          device_secret: 'atcr_device_a',
          note: 'x',
        },
      },
    },
  },
}

describe('migrateAccountFile', () => {
  it('turns the legacy single-device file into one active account', () => {
    const {file, from} = migrateAccountFile({
      handle: 'alice.bsky.social',
      device_secret: 'atcr_device_a',
      appview_url: 'https://atcr.io',
    })
    assert.equal(from, 'legacy-single-device')
    assert.deepEqual(file, {
      version: 2,
      registries: {
        'https://atcr.io': {
          active: 'alice.bsky.social',
          accounts: {
            'alice.bsky.social': {
              handle: 'alice.bsky.social',
              did: '',
              device_secret: 'atcr_device_a',
              appview_url: 'https://atcr.io',
            },
          },
        },
      },
    })
  })

  it('turns the multi-registry file into one registry per key', () => {
    const {file, from} = migrateAccountFile({
      credentials: {
        'https://atcr.io': {
          handle: 'alice.bsky.social',
          device_secret: 'atcr_device_a',
          appview_url: 'https://atcr.io',
          did: 'did:plc:a',
        },
        'http://localhost:5000': {
          handle: 'bob.test',
          device_secret: 'atcr_device_b',
          appview_url: 'http://localhost:5000',
        },
      },
    })
    assert.equal(from, 'multi-registry')
    assert.deepEqual(Object.keys(file.registries), ['https://atcr.io', 'http://localhost:5000'])
    assert.equal(file.registries['https://atcr.io']!.accounts['alice.bsky.social']!.did, 'did:plc:a')
    assert.equal(file.registries['http://localhost:5000']!.active, 'bob.test')
  })

  it('keeps unknown fields of a v2 file', () => {
    const {file} = migrateAccountFile(structuredClone(V2))
    assert.deepEqual(file, V2)
  })

  it('rejects what it does not understand', () => {
    for (const bad of [
      [],
      'x',
      {version: 3},
      {version: 2, registries: []},
      {something: 1},
      {version: 2, registries: {a: {accounts: {x: {handle: 1}}}}},
    ]) {
      assert.throws(() => migrateAccountFile(bad), AccountFileFormatError, JSON.stringify(bad))
    }
  })

  it('validates a document with a missing did as empty', () => {
    const file = validateAccountFile({
      version: 2,
      registries: {'https://a.io': {accounts: {x: {handle: 'x', device_secret: 's'}}}},
    })
    assert.equal(file.registries['https://a.io']!.accounts.x!.did, '')
  })
})

describe('account store', () => {
  it('answers an empty set when there is no file, and creates nothing', () => {
    const paths = tempPaths()
    assert.deepEqual(loadAccounts(paths), {version: 2, registries: {}})
    assert.equal(existsSync(paths.directory), false)
  })

  it('writes v2 with modes 0700/0600 and keeps unknown fields', () => {
    const paths = tempPaths()
    mkdirSync(paths.directory, {mode: 0o700})
    writeFileSync(paths.file, JSON.stringify(V2))
    chmodSync(paths.file, 0o600)
    updateAccounts(paths, (accounts) => {
      accounts.registries['https://atcr.io']!.active = ''
    })
    const saved = JSON.parse(readFileSync(paths.file, 'utf8'))
    assert.deepEqual(saved.future_field, {kept: true})
    assert.equal(saved.registries['https://atcr.io'].accounts['alice.bsky.social'].note, 'x')
    assert.equal(statSync(paths.file).mode & 0o777, 0o600)
    assert.equal(statSync(paths.directory).mode & 0o777, 0o700)
  })

  it('creates the directory 0700 and the file 0600 on first write', () => {
    const paths = tempPaths()
    updateAccounts(paths, (accounts) => {
      accounts.registries['https://atcr.io'] = {accounts: {}}
    })
    assert.equal(statSync(paths.directory).mode & 0o777, 0o700)
    assert.equal(statSync(paths.file).mode & 0o777, 0o600)
  })

  it('does not write when nothing changed', () => {
    const paths = tempPaths()
    mkdirSync(paths.directory, {mode: 0o700})
    const original = JSON.stringify(V2) // not in our serialisation: any rewrite would show
    writeFileSync(paths.file, original)
    updateAccounts(paths, () => {})
    assert.equal(readFileSync(paths.file, 'utf8'), original)
  })

  it('migrates on load, keeping the original bytes as a backup', () => {
    const paths = tempPaths()
    mkdirSync(paths.directory, {mode: 0o700})
    const legacy = JSON.stringify({
      handle: 'alice.bsky.social',
      device_secret: 'atcr_device_a',
      appview_url: 'https://atcr.io',
    })
    writeFileSync(paths.file, legacy, {mode: 0o600})
    const accounts = loadAccounts(paths)
    assert.equal(accounts.registries['https://atcr.io']!.active, 'alice.bsky.social')
    assert.equal(readFileSync(`${paths.file}.bak`, 'utf8'), legacy)
    assert.equal(statSync(`${paths.file}.bak`).mode & 0o777, 0o600)
    assert.equal(JSON.parse(readFileSync(paths.file, 'utf8')).version, 2)
    // A second load finds v2 and keeps the first backup.
    loadAccounts(paths)
    assert.deepEqual(readdirSync(paths.directory).sort(), ['device.json', 'device.json.bak'])
  })

  it('never overwrites a file it cannot understand, and names it', () => {
    for (const content of ['{"version": 2, "registries": ', '', '\u00ff\u00fe', '{"version": 7}', '[1,2]']) {
      const paths = tempPaths()
      mkdirSync(paths.directory, {mode: 0o700})
      writeFileSync(paths.file, content, 'latin1')
      const before = readFileSync(paths.file)
      assert.throws(
        () => updateAccounts(paths, (accounts) => void (accounts.registries.x = {accounts: {}})),
        (error: Error) => error instanceof AccountFileError && error.message.startsWith(paths.file),
      )
      assert.throws(() => loadAccounts(paths), AccountFileError)
      assert.deepEqual(readFileSync(paths.file), before)
      assert.deepEqual(readdirSync(paths.directory), ['device.json'])
    }
  })

  it('reports a directory in place of the file', () => {
    const paths = tempPaths()
    mkdirSync(paths.file, {recursive: true})
    assert.throws(() => loadAccounts(paths), /is a directory/)
  })
})

describe('withFileLock', () => {
  it('breaks a lock left by a dead process', () => {
    const paths = tempPaths()
    mkdirSync(paths.directory, {recursive: true})
    writeFileSync(paths.lock, '999999999 deadbeef\n') // no such pid
    assert.equal(
      withFileLock(paths.lock, () => 'ran', {timeoutMs: 2000}),
      'ran',
    )
    assert.equal(existsSync(paths.lock), false)
  })

  it('times out on a live holder', () => {
    const paths = tempPaths()
    mkdirSync(paths.directory, {recursive: true})
    writeFileSync(paths.lock, `${process.pid} live\n`)
    assert.throws(() => withFileLock(paths.lock, () => 'ran', {timeoutMs: 100}), /timed out/)
    assert.equal(readFileSync(paths.lock, 'utf8'), `${process.pid} live\n`)
  })

  it('releases the lock when the action throws', () => {
    const paths = tempPaths()
    mkdirSync(paths.directory, {recursive: true})
    assert.throws(
      () =>
        withFileLock(paths.lock, () => {
          throw new Error('boom')
        }),
      /boom/,
    )
    assert.equal(existsSync(paths.lock), false)
  })
})

describe('abandoned temporary files', () => {
  it('are removed on the next write when their writer is gone, and only then', () => {
    const paths = tempPaths()
    mkdirSync(paths.directory, {recursive: true, mode: 0o700})
    const dead = 999_999_999
    const abandoned = [
      `.device.json.${dead}.abc123.tmp`,
      `device.json.lock.${dead}.abc123.stale`,
      `device.json.lock.${dead}.abc123.new`,
      `.session-cache.json.${dead}.abc123.tmp`,
    ]
    const kept = [`.device.json.${process.ppid}.abc123.tmp`, 'device.json.bak', 'notes.txt']
    for (const name of [...abandoned, ...kept]) writeFileSync(path.join(paths.directory, name), 'x')
    loadAccounts(paths) // a read never sweeps
    assert.equal(readdirSync(paths.directory).length, abandoned.length + kept.length)
    updateAccounts(paths, (accounts) => void (accounts.registries['https://atcr.io'] = {accounts: {}}))
    assert.deepEqual(readdirSync(paths.directory).sort(), [...kept, 'device.json'].sort())
  })
})
