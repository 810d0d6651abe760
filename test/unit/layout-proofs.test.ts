/**
 * Issue 20: a large registry's layout, once proved, is remembered for that version of the account file
 * (src/lib/config/layout-proofs.ts), and the account file is opened again for each question asked after
 * it was closed (src/lib/config/reopened-file.ts). Neither may ever give another answer than the full
 * parse: a proof is used only for the very file it was made on, only from a file of this user's, and a
 * file replaced meanwhile is answered as it is now.
 */
import assert from 'node:assert/strict'
import {
  chmodSync,
  chownSync,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {spawnSync} from 'node:child_process'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {accountIndexes} from '../../src/lib/config/account-index.ts'
import {
  accountFilePaths,
  type AccountFilePaths,
  findRegistryInFile,
  loadAccounts,
} from '../../src/lib/config/account-store.ts'
import {LAYOUT_PROOFS_FILE, layoutProofs, RACY_MS} from '../../src/lib/config/layout-proofs.ts'
import {accountSpread, findAccount, findRegistry} from '../../src/lib/config/registry-entries.ts'

const root = mkdtempSync(path.join(tmpdir(), 'atcr-proofs-'))
after(() => rmSync(root, {recursive: true, force: true}))
let count = 0

/** A config directory holding a registry of `n` accounts (2 000: over the size from which it is indexed). */
function directoryWith(n = 2000, change: (text: string) => string = (text) => text): AccountFilePaths {
  const paths = accountFilePaths({ATCR_CONFIG_DIR: path.join(root, String(count++))}, '/nonexistent')
  mkdirSync(paths.directory, {recursive: true, mode: 0o700})
  writeFileSync(paths.file, change(accountsText(n, 'atcr_device_first')), {mode: 0o600})
  return paths
}

function accountsText(n: number, secretPrefix: string): string {
  const accounts: Record<string, unknown> = {}
  for (let i = 0; i < n; i++) {
    const handle = `user${i}.example.com`
    accounts[handle] = {handle, did: `did:plc:${i}`, device_secret: `${secretPrefix}_${i}`}
  }
  return `${JSON.stringify({version: 2, registries: {'https://atcr.io': {accounts}}}, null, 2)}\n`
}

const statsOf = (file: string) => {
  const fd = openSync(file, 'r')
  try {
    return fstatSync(fd, {bigint: true})
  } finally {
    closeSync(fd)
  }
}

/** Where the accounts object's members are in a file as accountsText writes it. */
function accountsRegion(file: string): {start: number; end: number} {
  const text = readFileSync(file, 'latin1')
  const start = text.indexOf('"accounts": {') + '"accounts": {'.length
  return {start, end: text.indexOf('\n      }', start)}
}

/** A moment late enough after the file's last change for its proof to be remembered. */
const afterRacyWindow = (file: string) => Number(statsOf(file).ctimeNs / 1_000_000n) + RACY_MS + 1

describe('layout proofs: remembered for one version of the account file', () => {
  it('are remembered and found for the same file, and for no other', () => {
    const paths = directoryWith(3)
    const stats = statsOf(paths.file)
    layoutProofs(paths.directory, stats, afterRacyWindow(paths.file)).remember(10, 20, {
      lowerCaseHandles: false,
    })
    assert.deepEqual(layoutProofs(paths.directory, stats).known(10, 20), {lowerCaseHandles: false})
    assert.equal(layoutProofs(paths.directory, stats).known(10, 21), undefined)
    // Another version of the file (a writer renames a new one over it): nothing is known of it.
    writeFileSync(`${paths.file}.new`, readFileSync(paths.file), {mode: 0o600})
    renameSync(`${paths.file}.new`, paths.file)
    assert.equal(layoutProofs(paths.directory, statsOf(paths.file)).known(10, 20), undefined)
  })

  it('are not remembered for a file changed a moment ago: its times could be those of the next version', () => {
    const paths = directoryWith(3)
    const stats = statsOf(paths.file)
    layoutProofs(paths.directory, stats, afterRacyWindow(paths.file) - 2).remember(10, 20, {
      lowerCaseHandles: true,
    })
    assert.equal(existsSync(path.join(paths.directory, LAYOUT_PROOFS_FILE)), false)
    assert.equal(layoutProofs(paths.directory, stats).known(10, 20), undefined)
  })

  it('are read only from a file of this user that no one else can write, and a corrupt one is a miss', () => {
    const paths = directoryWith(3)
    const stats = statsOf(paths.file)
    const proofsFile = path.join(paths.directory, LAYOUT_PROOFS_FILE)
    layoutProofs(paths.directory, stats, afterRacyWindow(paths.file)).remember(10, 20, {
      lowerCaseHandles: true,
    })
    assert.ok(layoutProofs(paths.directory, stats).known(10, 20))
    chmodSync(proofsFile, 0o620)
    assert.equal(layoutProofs(paths.directory, stats).known(10, 20), undefined, 'group-writable')
    chmodSync(proofsFile, 0o602)
    assert.equal(layoutProofs(paths.directory, stats).known(10, 20), undefined, 'writable by others')
    chmodSync(proofsFile, 0o600)
    if (process.getuid?.() === 0) {
      chownSync(proofsFile, 65_534, 65_534)
      assert.equal(layoutProofs(paths.directory, stats).known(10, 20), undefined, 'another user’s')
      chownSync(proofsFile, 0, 0)
    }
    assert.ok(layoutProofs(paths.directory, stats).known(10, 20))
    writeFileSync(proofsFile, '{"version": 1, "file": ')
    assert.equal(layoutProofs(paths.directory, stats).known(10, 20), undefined, 'corrupt')
  })

  it('a FIFO, a link to /dev/zero or a huge file in its place is a miss at once', () => {
    const paths = directoryWith(3)
    const stats = statsOf(paths.file)
    const proofsFile = path.join(paths.directory, LAYOUT_PROOFS_FILE)
    assert.equal(spawnSync('mkfifo', [proofsFile]).status, 0)
    assert.equal(layoutProofs(paths.directory, stats).known(10, 20), undefined, 'FIFO') // and does not block
    rmSync(proofsFile)
    symlinkSync('/dev/zero', proofsFile)
    assert.equal(layoutProofs(paths.directory, stats).known(10, 20), undefined, '/dev/zero')
    rmSync(proofsFile)
    writeFileSync(proofsFile, ' '.repeat(1024 * 1024), {mode: 0o600})
    assert.equal(layoutProofs(paths.directory, stats).known(10, 20), undefined, 'huge')
  })

  it('a directory that cannot be written to keeps none, and nothing fails', () => {
    const paths = directoryWith(3)
    const stats = statsOf(paths.file)
    // Where the proofs would go is not a directory (root may write into any directory, even 0500).
    const notADirectory = path.join(paths.directory, 'plain-file')
    writeFileSync(notADirectory, '')
    layoutProofs(notADirectory, stats, afterRacyWindow(paths.file)).remember(1, 2, {lowerCaseHandles: true})
    assert.equal(layoutProofs(notADirectory, stats).known(1, 2), undefined)
  })
})

describe('layout proofs in get: a remembered proof stands in for proving the accounts again', () => {
  it('is used for the file it was made on: accounts it would not prove are then answered from their bytes', () => {
    // One account with a field the helper never writes: the layout's proof refuses the registry.
    const paths = directoryWith(2000, (text) =>
      text.replace(
        '"device_secret": "atcr_device_first_7"',
        '"device_secret": "atcr_device_first_7",\n          "x": 1',
      ),
    )
    const unproved = findRegistryInFile(paths, 'atcr.io')!.entry
    assert.equal(accountIndexes.has(unproved), false, 'proved the layout of a registry it does not have')

    const {start, end} = accountsRegion(paths.file)
    const stats = statsOf(paths.file)
    layoutProofs(paths.directory, stats, afterRacyWindow(paths.file)).remember(start, end, {
      lowerCaseHandles: true,
    })
    const remembered = findRegistryInFile(paths, 'atcr.io')!.entry
    assert.ok(accountIndexes.has(remembered), 'the remembered proof was not used')
    const full = findRegistry(loadAccounts(paths), 'atcr.io')!.entry
    assert.deepEqual(
      findAccount(remembered, 'user1999.example.com'),
      findAccount(full, 'user1999.example.com'),
    )

    // The same bytes in a new file (a new inode): the proof is not this file's.
    writeFileSync(`${paths.file}.new`, readFileSync(paths.file), {mode: 0o600})
    renameSync(`${paths.file}.new`, paths.file)
    assert.equal(accountIndexes.has(findRegistryInFile(paths, 'atcr.io')!.entry), false)
  })

  it('is not kept by a lookup of a file written a moment ago: that file is proved on every lookup', () => {
    const paths = directoryWith(2000)
    const entry = findRegistryInFile(paths, 'atcr.io')!.entry
    assert.ok(accountIndexes.has(entry))
    // Written a moment ago: proved, not remembered.
    assert.equal(existsSync(path.join(paths.directory, LAYOUT_PROOFS_FILE)), false)
    const {start, end} = accountsRegion(paths.file)
    assert.equal(layoutProofs(paths.directory, statsOf(paths.file)).known(start, end), undefined)
  })
})

describe('the account file opened again for a question after it was closed', () => {
  it('answers from the file as it is now when it was replaced in between', () => {
    const paths = directoryWith(2000)
    const entry = findRegistryInFile(paths, 'atcr.io')!.entry
    assert.ok(accountIndexes.has(entry))
    // `docker login` saves a new secret meanwhile: the helper renames a new file over the old one.
    writeFileSync(`${paths.file}.new`, accountsText(2000, 'atcr_device_second'), {mode: 0o600})
    renameSync(`${paths.file}.new`, paths.file)
    assert.equal(findAccount(entry, 'user5.example.com')?.account.device_secret, 'atcr_device_second_5')
    assert.equal(accountSpread(entry), 2)
  })

  it('answers from the file as it is now when it was removed, or removed and written again', () => {
    const paths = directoryWith(2000)
    const removed = findRegistryInFile(paths, 'atcr.io')!.entry
    const rewritten = findRegistryInFile(paths, 'atcr.io')!.entry
    rmSync(paths.file)
    assert.equal(findAccount(removed, 'user5.example.com'), undefined) // no file: no accounts
    writeFileSync(paths.file, accountsText(2000, 'atcr_device_third'), {mode: 0o600})
    assert.equal(findAccount(rewritten, 'user5.example.com')?.account.device_secret, 'atcr_device_third_5')
  })
})
