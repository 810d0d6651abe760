/**
 * On a Node older than 22, bin/run.js must say so in one line instead of a stack trace: on stdout for a
 * protocol verb (clients show that), on stderr for people.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {describe, it} from 'node:test'

import {CLI} from '../support/cli.ts'

// The machine's own Node (this machine kind ships 20) while the project runs on its bundled Node 24.
const OLD_NODE = ['/usr/bin/node', '/usr/local/bin/node'].find((candidate) => {
  if (!existsSync(candidate)) return false
  const major = Number(
    spawnSync(candidate, ['-p', 'process.versions.node.split(".")[0]'], {encoding: 'utf8'}).stdout,
  )
  return major > 0 && major < 22
})

describe('an older Node', {skip: OLD_NODE ? false : 'no Node older than 22 on this machine'}, () => {
  it('gets one clear line on stderr for people commands', () => {
    const result = spawnSync(OLD_NODE!, [CLI, '--help'], {encoding: 'utf8'})
    assert.equal(result.status, 1)
    assert.equal(result.stdout, '')
    assert.match(
      result.stderr,
      /^docker-credential-atcr needs Node\.js 22 or newer, but .* is v\d+\.\d+\.\d+; install a current Node\.js and try again\.\n$/,
    )
  })

  it('gets the same line on stdout for a protocol verb', () => {
    const result = spawnSync(OLD_NODE!, [CLI, 'get'], {input: 'atcr.io', encoding: 'utf8'})
    assert.equal(result.status, 1)
    assert.match(result.stdout, /^docker-credential-atcr needs Node\.js 22 or newer/)
    assert.equal(result.stdout.split('\n').length, 2)
  })
})
