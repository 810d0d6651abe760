/**
 * On a Node.js without what the helper needs (src/lib/node-floor.ts), bin/run.js must say so in one line
 * instead of a stack trace: on stdout for a protocol verb (clients show that), on stderr for people. And
 * package.json's `engines` must state that same floor.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {NODE_ENGINES_RANGE, NODE_FLOOR_TEXT, nodeMeetsFloor} from '../../src/lib/node-floor.ts'
import {CLI, REPO} from '../support/cli.ts'

// The machine's own Node (this machine kind ships 20) while the project runs on its bundled Node 24.
const OLD_NODE = ['/usr/bin/node', '/usr/local/bin/node'].find((candidate) => {
  if (!existsSync(candidate)) return false
  const version = spawnSync(candidate, ['-p', 'process.versions.node'], {encoding: 'utf8'}).stdout.trim()
  return version !== '' && !nodeMeetsFloor(version)
})

describe('the Node.js floor', () => {
  it('is the first release of each line with http.Agent proxyEnv: 22.21.0 and 24.5.0, none of 23', () => {
    for (const version of ['22.21.0', 'v22.21.0', '22.22.3', '24.5.0', '24.21.0', '25.0.0', '26.1.2'])
      assert.equal(nodeMeetsFloor(version), true, version)
    for (const version of ['20.20.2', '22.0.0', '22.20.9', '23.11.1', '24.0.0', '24.4.1', '', 'x.y'])
      assert.equal(nodeMeetsFloor(version), false, version)
    assert.equal(NODE_FLOOR_TEXT, '22.21+ or 24.5+')
  })

  it("is what package.json's engines says", () => {
    const pjson = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'))
    assert.equal(pjson.engines.node, NODE_ENGINES_RANGE)
    assert.equal(NODE_ENGINES_RANGE, '^22.21.0 || >=24.5.0')
  })

  it('is met by the Node.js that runs the tests', () => {
    assert.ok(nodeMeetsFloor(process.versions.node))
  })
})

describe('an older Node', {skip: OLD_NODE ? false : 'no Node older than the floor on this machine'}, () => {
  const line =
    /^docker-credential-atcr needs Node\.js 22\.21\+ or 24\.5\+, but .* is v\d+\.\d+\.\d+; install a current Node\.js and try again\.\n$/

  it('gets one clear line on stderr for people commands', () => {
    const result = spawnSync(OLD_NODE!, [CLI, '--help'], {encoding: 'utf8'})
    assert.equal(result.status, 1)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, line)
  })

  it('gets the same line on stdout for a protocol verb', () => {
    const result = spawnSync(OLD_NODE!, [CLI, 'get'], {input: 'atcr.io', encoding: 'utf8'})
    assert.equal(result.status, 1)
    assert.match(result.stdout, line)
    assert.equal(result.stderr, '')
  })
})
