import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {rewriteArgv, shellWords} from '../../src/lib/cli/normalize-argv.ts'
import {answerUnknownCommand} from '../../src/lib/cli/suggest-command.ts'
import {closestCommand, editDistance} from '../../src/lib/text/closest-spelling.ts'

const COMMANDS = [
  'configure-docker',
  'login',
  'logout',
  'plugins',
  'plugins install',
  'status',
  'switch',
  'update',
  'version',
]
const BIN = 'docker-credential-atcr'

describe('rewriteArgv', () => {
  it('-v and --version run version, with what follows', () => {
    assert.deepEqual(rewriteArgv(['-v']), ['version'])
    assert.deepEqual(rewriteArgv(['--version', '--json']), ['version', '--json'])
  })
  it('leaves -v alone after a command (plugins install -v is verbose)', () => {
    assert.deepEqual(rewriteArgv(['plugins', 'install', '-v', 'x']), ['plugins', 'install', '-v', 'x'])
  })
  it("suggests the top-level command for gh's auth spelling", () => {
    assert.deepEqual(rewriteArgv(['auth', 'login']), {suggest: 'login'})
    assert.deepEqual(rewriteArgv(['auth', 'status', 'buoy.cr', '--json']), {suggest: 'status buoy.cr --json'})
    assert.deepEqual(rewriteArgv(['auth', 'refresh']), ['auth', 'refresh'])
  })
  it('passes everything else through', () => {
    assert.deepEqual(rewriteArgv([]), [])
    assert.deepEqual(rewriteArgv(['status', '-v']), ['status', '-v'])
  })
})

describe('shellWords', () => {
  it('quotes only what a shell would split or expand', () => {
    assert.equal(
      shellWords(['login', 'localhost:5000', '-a', 'did:plc:x']),
      'login localhost:5000 -a did:plc:x',
    )
    assert.equal(shellWords(['a b', "it's", '$HOME']), `'a b' 'it'\\''s' '$HOME'`)
  })
})

describe('typo suggestions', () => {
  it('counts an adjacent swap as one edit', () => {
    assert.equal(editDistance('stauts', 'status'), 1)
    assert.equal(editDistance('logn', 'login'), 1)
    assert.equal(editDistance('', 'abc'), 3)
  })
  it('finds the command a typo meant, keeping the rest of the line', () => {
    assert.deepEqual(closestCommand(['stauts', 'buoy.cr'], COMMANDS), {command: 'status', rest: ['buoy.cr']})
    assert.deepEqual(closestCommand(['plugins', 'instal', 'x'], COMMANDS), {
      command: 'plugins install',
      rest: ['x'],
    })
    assert.equal(closestCommand(['gett'], COMMANDS), undefined, 'hidden commands are not offered')
    assert.equal(closestCommand(['xyz'], COMMANDS), undefined)
  })
  it('answers with one line to paste back, or a command to run', () => {
    assert.deepEqual(answerUnknownCommand(['stauts', '--json'], COMMANDS, BIN), {
      message: `"stauts" is not a ${BIN} command. Did you mean status? Run: ${BIN} status --json`,
    })
    assert.deepEqual(answerUnknownCommand(['nothing'], COMMANDS, BIN), {
      message: `"nothing" is not a ${BIN} command. See: ${BIN} --help`,
    })
    assert.deepEqual(answerUnknownCommand(['auth', 'login', 'buoy.cr'], COMMANDS, BIN), {
      message: `"auth login" is how gh spells it; here it is: ${BIN} login buoy.cr`,
    })
    assert.deepEqual(answerUnknownCommand(['-v'], COMMANDS, BIN), {run: ['version']})
  })
})
