import assert from 'node:assert/strict'
import {existsSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {makeSandbox, runCli} from '../support/cli.ts'

const sandbox = makeSandbox()
after(() => sandbox.cleanup())

describe("compiled-code cache: the user's own, never a directory shared in /tmp", () => {
  it('get caches under ~/.cache/atcr/compile-cache', async () => {
    const result = await runCli(['get'], {input: 'atcr.io', env: sandbox.env})
    assert.equal(result.stdout, 'credentials not found in native keychain\n')
    const cache = path.join(sandbox.home, '.cache', 'atcr', 'compile-cache')
    assert.ok(existsSync(cache) && readdirSync(cache).length > 0, `nothing cached in ${cache}`)
  })

  it('honours an absolute XDG_CACHE_HOME, and ignores a relative one', async () => {
    const xdg = path.join(sandbox.root, 'xdg-cache')
    await runCli(['get'], {input: 'atcr.io', env: {...sandbox.env, XDG_CACHE_HOME: xdg}})
    assert.ok(existsSync(path.join(xdg, 'atcr', 'compile-cache')), 'XDG_CACHE_HOME not used')
    await runCli(['get'], {input: 'atcr.io', env: {...sandbox.env, XDG_CACHE_HOME: 'relative-cache'}})
    assert.ok(!existsSync(path.join(process.cwd(), 'relative-cache')), 'a relative XDG_CACHE_HOME was used')
  })
})
