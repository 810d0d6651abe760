/**
 * A full disk and a read-only config directory, on a small tmpfs (the suite runs as root). `store`
 * and `erase` answer with one clear line and exit 1, the old file is intact, nothing is left behind
 * that blocks the next writer; `get` and `list` keep working.
 */
import assert from 'node:assert/strict'
import {closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync} from 'node:fs'
import path from 'node:path'
import {test} from 'node:test'

import {mount, unmount} from '../support/tmpfs.ts'

import {
  assertOneLineError,
  type Home,
  maxFigure,
  newHome,
  newSecret,
  runCli,
  setFigure,
  sha256,
  v2File,
  writeAccountFile,
} from './harness.ts'
import {testNoSecretLeaked} from './secrets.ts'

function tryMount(target: string, options: string): string | undefined {
  return mount(['-t', 'tmpfs', '-o', options, 'tmpfs', target])
}

function remountReadOnly(mountPoint: string): void {
  const failed = mount(['-o', 'remount,ro', mountPoint])
  if (failed !== undefined) throw new Error(`cannot remount ${mountPoint} read-only: ${failed}`)
}

function fill(file: string): number {
  const fd = openSync(file, 'w')
  const chunk = Buffer.alloc(4096, 1)
  let written = 0
  try {
    for (;;) written += writeSync(fd, chunk)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
  } finally {
    closeSync(fd)
  }
  return written
}

/** A home whose config directory is on its own 64 KB tmpfs; `run` gets it mounted, and it is unmounted after. */
async function onTmpfs(run: (home: Home, mountPoint: string) => Promise<void>): Promise<void> {
  const home = newHome()
  const mountPoint = path.join(home.root, 'mnt')
  mkdirSync(mountPoint)
  const problem = tryMount(mountPoint, 'size=64k,mode=0700')
  if (problem !== undefined) throw new Error(`SKIP: cannot mount a tmpfs (${problem})`)
  try {
    const dir = path.join(mountPoint, 'atcr')
    const moved: Home = {
      ...home,
      dir,
      file: path.join(dir, 'device.json'),
      env: {...home.env, ATCR_CONFIG_DIR: dir},
    }
    await run(moved, mountPoint)
  } finally {
    unmount(mountPoint)
  }
}

function storeInput(handle: string): string {
  return `${JSON.stringify({ServerURL: 'localhost:5000', Username: handle, Secret: newSecret('disk')})}\n`
}

function leftovers(home: Home): string[] {
  return readdirSync(home.dir).filter((name) => name !== 'device.json')
}

function registerDiskCases(): void {
  let mountable = true
  const probeHome = newHome()
  const probe = path.join(probeHome.root, 'probe')
  mkdirSync(probe)
  const problem = tryMount(probe, 'size=64k')
  if (problem === undefined) unmount(probe)
  else mountable = false
  setFigure(
    'disk full / read-only cases',
    mountable ? 'run on a 64 KB tmpfs' : `skipped: cannot mount a tmpfs (${problem})`,
  )
  if (!mountable) return

  test('disk › disk full: store and erase fail clearly, the old file is intact, the next writer is not blocked', () =>
    onTmpfs(async (home, mountPoint) => {
      const secret = newSecret('disk')
      writeAccountFile(home, v2File({'http://localhost:5000': {accounts: [{handle: 'alice.test', secret}]}}))
      const before = sha256(home.file)
      const filler = path.join(mountPoint, 'filler')
      fill(filler)
      for (const [verb, input] of [
        ['store', storeInput('bob.test')],
        ['erase', 'localhost:5000'],
      ] as const) {
        const result = await runCli([verb], {env: home.env, input, label: `${verb} on a full disk`})
        const line = assertOneLineError(result, `${verb} on a full disk`)
        assert.ok(/disk is full/.test(line), `${verb} on a full disk: does not say the disk is full: ${line}`)
        assert.ok(!/aside/.test(line), `${verb} on a full disk: advises moving the file aside: ${line}`)
        assert.ok(line.includes(home.dir), `${verb} on a full disk: does not name the file: ${line}`)
        assert.deepEqual(sha256(home.file), before, `${verb} on a full disk: account file`)
        assert.deepEqual(leftovers(home), [], `${verb} on a full disk: files left in the directory`)
      }
      const got = await runCli(['get'], {env: home.env, input: 'localhost:5000', stdoutMayHoldSecret: true})
      assert.deepEqual(
        got.stdout,
        `${JSON.stringify({ServerURL: 'localhost:5000', Username: 'alice.test', Secret: secret})}\n`,
        'get on a full disk',
      )
      // Space comes back: the next store must go through at once, not wait for a lock left behind.
      rmSync(filler)
      const again = await runCli(['store'], {
        env: home.env,
        input: storeInput('bob.test'),
        label: 'store after space freed',
      })
      maxFigure('disk full: store after space is freed (ms)', Math.round(again.ms))
      assert.deepEqual(
        {code: again.code, stdout: again.stdout},
        {code: 0, stdout: ''},
        'store after space is freed',
      )
      assert.ok(
        again.ms < 5000,
        `store after space is freed took ${Math.round(again.ms)} ms: a lock was left behind`,
      )
    }))

  test('disk › read-only config directory: store and erase fail clearly, get and list work, the file is intact', () =>
    onTmpfs(async (home, mountPoint) => {
      const secret = newSecret('ro')
      writeAccountFile(home, v2File({'http://localhost:5000': {accounts: [{handle: 'alice.test', secret}]}}))
      const before = sha256(home.file)
      remountReadOnly(mountPoint)
      for (const [verb, input] of [
        ['store', storeInput('bob.test')],
        ['erase', 'localhost:5000'],
      ] as const) {
        const result = await runCli([verb], {env: home.env, input, label: `${verb} read-only`})
        const line = assertOneLineError(result, `${verb} on a read-only directory`)
        assert.ok(/read-only/.test(line), `${verb} read-only: does not say read-only: ${line}`)
        assert.ok(!/aside/.test(line), `${verb} read-only: advises moving the file aside: ${line}`)
        assert.ok(line.includes(home.dir), `${verb} read-only: does not name the file: ${line}`)
        assert.deepEqual(sha256(home.file), before, `${verb} read-only: account file`)
      }
      const got = await runCli(['get'], {env: home.env, input: 'localhost:5000', stdoutMayHoldSecret: true})
      assert.deepEqual(
        got.stdout,
        `${JSON.stringify({ServerURL: 'localhost:5000', Username: 'alice.test', Secret: secret})}\n`,
        'get read-only',
      )
      const listed = await runCli(['list'], {env: home.env, input: 'unused'})
      assert.deepEqual(listed.stdout, '{"localhost:5000":"alice.test"}\n', 'list read-only')
    }))

  test('disk › read-only and missing config directory: store fails clearly naming the directory', () =>
    onTmpfs(async (home, mountPoint) => {
      remountReadOnly(mountPoint)
      const result = await runCli(['store'], {
        env: home.env,
        input: storeInput('bob.test'),
        label: 'store ro missing dir',
      })
      const line = assertOneLineError(result, 'store into a read-only parent')
      // Node's recursive mkdir reports EROFS as ENOENT here, so "cannot create the directory" is what can be said.
      assert.ok(
        line.includes(home.dir) && /read-only|cannot create the directory/.test(line),
        `store into a read-only parent: ${line}`,
      )
      const got = await runCli(['get'], {env: home.env, input: 'localhost:5000'})
      assert.deepEqual(got.stdout, 'credentials not found in native keychain\n', 'get with no directory')
    }))
}

registerDiskCases()
testNoSecretLeaked()
