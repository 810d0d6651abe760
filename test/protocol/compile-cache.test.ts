/**
 * Node.js's compile cache (bin/run.js, src/lib/cli/compile-cache.ts): the user's own directory, and
 * never one another user could write: whoever can write a compile cache decides what code Node.js loads
 * from it.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {makeSandbox, runCli} from '../support/cli.ts'

const sandbox = makeSandbox()
after(() => sandbox.cleanup())

const NOBODY = 65_534
const isRoot = process.geteuid?.() === 0

describe("compiled-code cache: the user's own, never a directory shared in /tmp", () => {
  it('get caches under ~/.cache/atcr/compile-cache, created 0700', async () => {
    const result = await runCli(['get'], {input: 'atcr.io', env: sandbox.env})
    assert.equal(result.stdout, 'credentials not found in native keychain\n')
    const cache = path.join(sandbox.home, '.cache', 'atcr', 'compile-cache')
    assert.ok(existsSync(cache) && readdirSync(cache).length > 0, `nothing cached in ${cache}`)
    assert.equal(statMode(cache), 0o700)
  })

  it('honours an absolute XDG_CACHE_HOME, and ignores a relative one', async () => {
    const xdg = path.join(sandbox.root, 'xdg-cache')
    await runCli(['get'], {input: 'atcr.io', env: {...sandbox.env, XDG_CACHE_HOME: xdg}})
    assert.ok(existsSync(path.join(xdg, 'atcr', 'compile-cache')), 'XDG_CACHE_HOME not used')
    await runCli(['get'], {input: 'atcr.io', env: {...sandbox.env, XDG_CACHE_HOME: 'relative-cache'}})
    assert.ok(!existsSync(path.join(process.cwd(), 'relative-cache')), 'a relative XDG_CACHE_HOME was used')
  })

  it('refuses a group-writable directory and says why under ATCR_DEBUG', async () => {
    const xdg = path.join(sandbox.root, 'loose')
    const cache = path.join(xdg, 'atcr', 'compile-cache')
    mkdirSync(cache, {recursive: true, mode: 0o700})
    spawnSync('chmod', ['0770', cache])
    const result = await runCli(['get'], {
      input: 'atcr.io',
      env: {...sandbox.env, XDG_CACHE_HOME: xdg, ATCR_DEBUG: '1'},
    })
    assert.match(result.stderr, /no compile cache: .*compile-cache is writable by group or others/)
    assert.deepEqual(readdirSync(cache), [], 'the helper wrote into a directory others can write')
  })

  it(
    "ignores another user's pre-created cache directory: nothing in it is read",
    {skip: isRoot ? false : 'needs root, to create a directory owned by another user'},
    async () => {
      // The attacker created XDG_CACHE_HOME/atcr/compile-cache first (uid 65534) and filled it with
      // entries for the helper's files: whatever Node.js reads from there, it runs.
      const xdg = mkdtempSync(path.join(tmpdir(), 'atcr-planted-'))
      try {
        const cache = path.join(xdg, 'atcr', 'compile-cache')
        const env = {...sandbox.env, XDG_CACHE_HOME: xdg}
        await runCli(['version'], {env})
        assert.ok(readdirSync(cache).length > 0, 'nothing planted')
        for (const dir of [xdg, path.join(xdg, 'atcr'), cache]) chownSync(dir, NOBODY, NOBODY)

        const victim = await runCli(['version'], {
          env: {...env, ATCR_DEBUG: '1', NODE_DEBUG_NATIVE: 'COMPILE_CACHE'},
        })
        assert.equal(victim.code, 0, victim.stderr)
        assert.match(victim.stdout, /^docker-credential-atcr \d/)
        // Node.js's own log of its compile cache: it never looked there.
        assert.doesNotMatch(victim.stderr, new RegExp(`compile cache\\].*${cache}`))
        assert.match(victim.stderr, /no compile cache: .* belongs to uid 65534/)
      } finally {
        rmSync(xdg, {recursive: true, force: true})
      }
    },
  )

  it(
    'refuses a directory under one another user could rename',
    {skip: isRoot ? false : 'needs root'},
    async () => {
      const theirs = mkdtempSync(path.join(tmpdir(), 'atcr-theirs-'))
      try {
        chownSync(theirs, NOBODY, NOBODY)
        const result = await runCli(['get'], {
          input: 'atcr.io',
          env: {...sandbox.env, XDG_CACHE_HOME: theirs, ATCR_DEBUG: '1'},
        })
        assert.match(
          result.stderr,
          /no compile cache: .*atcr-theirs-\w+ belongs to uid 65534, so .* could be replaced/,
        )
        assert.deepEqual(readdirSync(path.join(theirs, 'atcr', 'compile-cache')), [])
      } finally {
        rmSync(theirs, {recursive: true, force: true})
      }
    },
  )
})

function statMode(file: string): number {
  const result = spawnSync('stat', ['-c', '%a', file], {encoding: 'utf8'})
  return Number.parseInt(result.stdout.trim(), 8)
}
