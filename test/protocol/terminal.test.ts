/**
 * Typed at a terminal with nothing piped in, a protocol verb must not sit waiting for input: it prints
 * help to stderr and exits 1. Run under a real pseudo-terminal with util-linux `script`.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {describe, it} from 'node:test'

import {CLI, makeSandbox} from '../support/cli.ts'

const hasScript = spawnSync('script', ['--version']).status === 0

describe(
  'protocol verbs on a terminal',
  {skip: hasScript ? false : 'util-linux script is not installed'},
  () => {
    for (const verb of ['get', 'store', 'erase']) {
      it(`${verb} prints help and exits 1 instead of waiting`, () => {
        const sandbox = makeSandbox()
        try {
          // The hang guard: a helper that waited for input would be killed by this timeout and fail below.
          const result = spawnSync(
            'script',
            ['-qec', `'${process.execPath}' '${CLI}' ${verb}`, '/dev/null'],
            {
              env: sandbox.env,
              encoding: 'utf8',
              timeout: 20_000,
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          )
          assert.equal(result.signal, null, 'the helper hung on a terminal')
          assert.equal(result.status, 1)
          assert.match(result.stdout, new RegExp(`docker-credential-atcr ${verb} reads`))
          assert.match(result.stdout, /docker-credential-atcr login/)
          // The example feeds the verb what it reads: a host for get and erase, JSON for store.
          const example = /\$ (.*)\| docker-credential-atcr (\w+)/.exec(result.stdout)
          assert.ok(example, result.stdout)
          assert.equal(example[2], verb)
          assert.match(example[1]!, verb === 'store' ? /"ServerURL"/ : /^printf atcr\.io $/)
        } finally {
          sandbox.cleanup()
        }
      })
    }
  },
)
