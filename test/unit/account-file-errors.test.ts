/**
 * Issue 10: each cause of an account-file failure gets its own next step. A busy lock is not a corrupt
 * file: its advice must never be "move it aside" (which loses every account), and people are told
 * when they are waiting for another writer.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {describeAccountFileError} from '../../src/lib/config/account-file-errors.ts'
import {AccountFileError, accountFilePaths, updateAccounts} from '../../src/lib/config/account-store.ts'

const root = mkdtempSync(path.join(tmpdir(), 'atcr-errors-'))
after(() => rmSync(root, {recursive: true, force: true}))

function pathsIn(name: string) {
  const paths = accountFilePaths({ATCR_CONFIG_DIR: path.join(root, name)}, '/nonexistent')
  mkdirSync(paths.directory, {recursive: true, mode: 0o700})
  writeFileSync(paths.file, `${JSON.stringify({version: 2, registries: {}})}\n`, {mode: 0o600})
  return paths
}

test('a busy lock says another helper is writing and to try again, never to move the file aside', () => {
  const paths = pathsIn('busy')
  // Held by a live process (this one), as another helper in the middle of a write would hold it.
  writeFileSync(paths.lock, `${process.pid} held-by-test\n`)
  let caught: unknown
  try {
    updateAccounts(paths, () => 'never', {timeoutMs: 300})
  } catch (error) {
    caught = error
  }
  assert.ok(caught instanceof AccountFileError, String(caught))
  assert.equal(caught.kind, 'busy')
  for (const audience of ['people', 'protocol'] as const) {
    const line = describeAccountFileError(caught, {audience})
    assert.match(line, /another docker-credential-atcr is writing/)
    assert.match(line, /try again/)
    assert.ok(line.includes(paths.file), line)
    assert.doesNotMatch(line, /aside|login/)
    assert.doesNotMatch(line, /\n/)
  }
})

test('a file that cannot be parsed still gets "move it aside", for people and on the protocol line', () => {
  const error = new AccountFileError('/home/me/.atcr/device.json', 'not valid JSON (it ends too early)')
  assert.equal(
    describeAccountFileError(error, {audience: 'protocol'}),
    'docker-credential-atcr: cannot use the account file /home/me/.atcr/device.json: not valid JSON (it ends too early). Nothing was changed; fix or move the file aside, then run: docker-credential-atcr login',
  )
  assert.equal(
    describeAccountFileError(error, {audience: 'people'}),
    'Cannot use the account file /home/me/.atcr/device.json: not valid JSON (it ends too early). Nothing was changed. Fix the file or move it aside, then run: docker-credential-atcr login',
  )
})

test('after a second of waiting for the lock, onWait is told once; the change is then saved', async () => {
  const paths = pathsIn('wait')
  const holder = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import {withFileLock} from ${JSON.stringify(path.resolve('src/lib/config/file-lock.ts'))}
       withFileLock(${JSON.stringify(paths.lock)}, () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1600))`,
    ],
    {stdio: 'ignore'},
  )
  try {
    while (!existsSync(paths.lock)) await sleep(10)
    const lines: string[] = []
    const result = updateAccounts(
      paths,
      (accounts) => {
        accounts.registries['https://atcr.io'] = {accounts: {}}
        return 'saved'
      },
      {onWait: (line) => lines.push(line)},
    )
    assert.equal(result, 'saved')
    assert.equal(lines.length, 1, JSON.stringify(lines))
    assert.match(
      lines[0]!,
      new RegExp(
        `^Waiting for another docker-credential-atcr \\(process ${holder.pid}\\) to finish writing `,
      ),
    )
    assert.ok(lines[0]!.includes(paths.file), lines[0])
  } finally {
    holder.kill()
  }
})
