/**
 * How a protocol call is routed and guarded: unknown verbs, oversized stdin, and the plugins-on-get.json
 * switch (spawned CLI where the process boundary is the point).
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {Readable} from 'node:stream'
import {after, before, describe, it} from 'node:test'

import {runProtocolVerb} from '../../src/lib/protocol/run-protocol-verb.ts'
import {makeSandbox, runCli, type Sandbox} from '../support/cli.ts'

const ALICE = {handle: 'alice.bsky.social', did: 'did:plc:alice', device_secret: 'atcr_device_alice_routing'}
const ONE_ACCOUNT = {
  version: 2,
  registries: {'https://atcr.io': {active: ALICE.handle, accounts: {[ALICE.handle]: ALICE}}},
}
const ANSWER = `${JSON.stringify({ServerURL: 'atcr.io', Username: ALICE.handle, Secret: ALICE.device_secret})}\n`

function fakeIo(sandbox: Sandbox, input: string) {
  const out: string[] = []
  const err: string[] = []
  return {
    io: {
      stdin: Readable.from([Buffer.from(input)]),
      stdout: {write: (text: string) => out.push(text)},
      stderr: {write: (text: string) => err.push(text)},
      env: sandbox.env,
      homedir: sandbox.home,
      parentPid: 1,
      platform: process.platform,
    },
    out,
    err,
  }
}

describe('runProtocolVerb', () => {
  let sandbox: Sandbox
  before(() => {
    sandbox = makeSandbox()
  })
  after(() => sandbox.cleanup())

  it('fails loudly on a word that is not a verb, and changes nothing', async () => {
    sandbox.writeAccounts(ONE_ACCOUNT)
    const before = readFileSync(sandbox.accountFile, 'utf8')
    for (const verb of ['remove', 'eras', '']) {
      const {io, out} = fakeIo(sandbox, 'atcr.io')
      assert.equal(await runProtocolVerb(verb as 'erase', io), 1, verb)
      assert.match(out.join(''), /is not a protocol verb \(get, store, erase, list\)\n$/, verb)
      assert.equal(out.join('').split('\n').length, 2)
    }
    assert.equal(readFileSync(sandbox.accountFile, 'utf8'), before)
  })

  it('refuses stdin past its cap with one line', async () => {
    const {io, out} = fakeIo(sandbox, 'a'.repeat(64 * 1024 + 1))
    assert.equal(await runProtocolVerb('get', io), 1)
    assert.match(
      out.join(''),
      /^input is larger than 65536 bytes; expected a registry host or one JSON object\n$/,
    )
  })
})

describe('plugins-on-get.json that is not a regular file', {timeout: 60_000}, () => {
  for (const kind of ['a FIFO', 'a symlink to /dev/zero', 'a directory']) {
    it(`does not block or break get: ${kind}`, async () => {
      const sandbox = makeSandbox()
      try {
        sandbox.writeAccounts(ONE_ACCOUNT)
        const file = path.join(sandbox.configDir, 'plugins-on-get.json')
        if (kind === 'a FIFO') assert.equal(spawnSync('mkfifo', [file]).status, 0)
        else if (kind === 'a directory') mkdirSync(file)
        else symlinkSync('/dev/zero', file)
        const result = await runCli(['get'], {
          input: 'atcr.io',
          env: {...sandbox.env, ATCR_DEBUG: '1'},
          timeoutMs: 10_000,
        })
        assert.equal(result.signal, null, 'get was still running after 10 s')
        assert.equal(result.stdout, ANSWER)
        assert.equal(result.code, 0)
        assert.match(result.stderr, /plugins-on-get\.json is not a regular file; no plugin runs on get/)
      } finally {
        sandbox.cleanup()
      }
    })
  }

  it('a regular file still takes the plugins path (nothing trusted: the plain answer)', async () => {
    const sandbox = makeSandbox()
    try {
      sandbox.writeAccounts(ONE_ACCOUNT)
      writeFileSync(path.join(sandbox.configDir, 'plugins-on-get.json'), '{"version": 1, "plugins": {}}\n', {
        mode: 0o600,
      })
      const result = await runCli(['get'], {input: 'atcr.io', env: sandbox.env})
      assert.equal(result.stdout, ANSWER)
      assert.equal(result.code, 0)
    } finally {
      sandbox.cleanup()
    }
  })
})
