/**
 * Issue 11: every file the protocol path opens is opened non-blocking and type-checked. A FIFO or a
 * symlink to /dev/zero at session-cache.json must not block `get`: it is a cache miss.
 */
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, test} from 'node:test'

const root = mkdtempSync(path.join(tmpdir(), 'atcr-cache-fault-'))
after(() => rmSync(root, {recursive: true, force: true}))

/** cachedVerdict in a child process, so that a read that blocks cannot hang this test run. */
function lookUpInChild(file: string): {output: string; timedOut: boolean} {
  const script = `
    import {cachedVerdict} from ${JSON.stringify(path.resolve('src/lib/session-check/session-cache.ts'))}
    console.log(String(cachedVerdict(${JSON.stringify(file)}, 'key', Date.now())))`
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 5000,
  })
  return {output: result.stdout, timedOut: result.error !== undefined || result.signal !== null}
}

test('a FIFO at session-cache.json is a cache miss, not a read that blocks forever', () => {
  const dir = path.join(root, 'fifo')
  mkdirSync(dir)
  const file = path.join(dir, 'session-cache.json')
  execFileSync('mkfifo', [file])
  const result = lookUpInChild(file)
  assert.equal(result.timedOut, false, 'the cache read blocked on the FIFO')
  assert.equal(result.output, 'undefined\n')
})

test('a symlink to /dev/zero at session-cache.json is a cache miss, not an endless read', () => {
  const dir = path.join(root, 'zero')
  mkdirSync(dir)
  const file = path.join(dir, 'session-cache.json')
  symlinkSync('/dev/zero', file)
  const result = lookUpInChild(file)
  assert.equal(result.timedOut, false, 'the cache read /dev/zero without end')
  assert.equal(result.output, 'undefined\n')
})
