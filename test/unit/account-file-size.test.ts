/**
 * Issue 17: the account file had no size cap. A 300 MiB device.json made `get` take 4–11 s and about
 * 1 GB (read whole, then parsed). Now a file over 16 MiB is refused at once, from its size alone, with one
 * line naming the file and its size; a file at the cap is still read.
 */
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {describeAccountFileError} from '../../src/lib/config/account-file-errors.ts'
import {
  AccountFileError,
  accountFilePaths,
  findRegistryInFile,
  loadAccounts,
  loadAccountsLazily,
  MAX_ACCOUNT_FILE_BYTES,
} from '../../src/lib/config/account-store.ts'

const root = mkdtempSync(path.join(tmpdir(), 'atcr-account-size-'))
after(() => rmSync(root, {recursive: true, force: true}))
let counter = 0

const HEAD = JSON.stringify({
  version: 2,
  registries: {
    'https://atcr.io': {
      active: 'alice.test',
      accounts: {'alice.test': {handle: 'alice.test', did: '', device_secret: 'atcr_device_abc123'}},
    },
  },
})

function paths(size: number, pad: 'sparse' | 'spaces') {
  const dir = path.join(root, `c${counter++}`)
  mkdirSync(dir, {mode: 0o700})
  const files = accountFilePaths({ATCR_CONFIG_DIR: dir}, '/nonexistent')
  if (pad === 'sparse') {
    // A valid head, then NUL bytes up to `size` without writing them (a sparse file: fast, no disk).
    writeFileSync(files.file, HEAD, {mode: 0o600})
    truncateSync(files.file, size)
  } else writeFileSync(files.file, HEAD + ' '.repeat(size - HEAD.length), {mode: 0o600})
  return files
}

describe('the account file has a size cap', () => {
  it('is 16 MiB', () => assert.equal(MAX_ACCOUNT_FILE_BYTES, 16 * 1024 * 1024))

  it('a 300 MiB file is refused at once, every way it is read, in one line naming it and its size', () => {
    const files = paths(300 * 1024 * 1024, 'sparse')
    const rssBefore = process.memoryUsage().rss
    const started = performance.now()
    for (const read of [
      () => findRegistryInFile(files, 'atcr.io'),
      () => loadAccountsLazily(files),
      () => loadAccounts(files),
    ]) {
      assert.throws(read, (error: unknown) => {
        assert.ok(error instanceof AccountFileError, String(error))
        const line = describeAccountFileError(error, {audience: 'protocol'})
        assert.equal(
          line,
          `docker-credential-atcr: cannot use the account file ${files.file}: it is 300 MiB (314572800 bytes), more than an account file may be (16 MiB). Nothing was changed; fix or move the file aside, then run: docker-credential-atcr login`,
        )
        return true
      })
    }
    const ms = performance.now() - started
    const grew = process.memoryUsage().rss - rssBefore
    assert.ok(ms < 500, `took ${Math.round(ms)} ms`)
    assert.ok(grew < 64 * 1024 * 1024, `memory grew by ${Math.round(grew / 1024 / 1024)} MiB`)
  })

  it('a file just over the cap is refused; one at the cap is read', () => {
    assert.throws(
      () => loadAccountsLazily(paths(MAX_ACCOUNT_FILE_BYTES + 1, 'sparse')),
      /more than an account file may be/,
    )
    const atCap = paths(MAX_ACCOUNT_FILE_BYTES, 'spaces')
    assert.equal(findRegistryInFile(atCap, 'atcr.io')?.entry.active, 'alice.test')
  })
})
