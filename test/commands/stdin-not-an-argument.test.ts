/**
 * oclif fills a missing argument from piped stdin unless told not to. A people command's REGISTRY must
 * never come from stdin: `printf %s "$SECRET" | login --with-token` would take the device secret for the
 * registry name (and print it), and `status`, `switch` or `logout` run with a pipe on stdin would act on
 * whatever the pipe held. Run `npm run build` first.
 */
import assert from 'node:assert/strict'
import {afterEach, beforeEach, describe, it} from 'node:test'

import {accountFileFor, makeSandbox, runCli, type Sandbox} from '../appview/cli-harness.ts'

const SECRET = 'atcr_device_PipedSecretNeverAnArgument'

describe('piped stdin is never the REGISTRY argument', {timeout: 60_000}, () => {
  let sandbox: Sandbox
  // A refusing proxy makes every AppView request fail at once, without a network.
  const env = () => ({...sandbox.env, HTTPS_PROXY: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9'})
  beforeEach(() => {
    sandbox = makeSandbox()
    sandbox.writeAccounts(
      accountFileFor('https://atcr.io', [
        {handle: 'alice.test', did: 'did:plc:alice', device_secret: 'atcr_device_alice'},
        {handle: 'bob.test', did: 'did:plc:bob', device_secret: 'atcr_device_bob'},
      ]),
    )
  })
  afterEach(() => sandbox.cleanup())

  it('login --with-token without REGISTRY reads the secret and uses atcr.io', async () => {
    const result = await runCli(['login', '--with-token', '--account', 'carol.test'], {
      env: env(),
      stdin: SECRET,
    })
    assert.equal(result.code, 1)
    assert.match(result.stderr, /Cannot check the secret: the AppView at https:\/\/atcr\.io did not answer/)
    assert.doesNotMatch(result.stdout + result.stderr, /PipedSecret/i)
  })

  for (const args of [
    ['status', '--offline'],
    ['switch', '--account', 'bob.test'],
    ['logout', '--account', 'bob.test', '--yes'],
  ]) {
    it(`${args[0]} without REGISTRY acts on atcr.io whatever stdin holds`, async () => {
      const result = await runCli([...args], {env: env(), stdin: `${SECRET}\n`})
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout + result.stderr, /atcr\.io/) // status: its table is on stdout
      assert.doesNotMatch(result.stdout + result.stderr, /PipedSecret/i)
    })
  }
})

describe('piped stdin is never the PLUGIN argument', {timeout: 60_000}, () => {
  for (const command of ['trust', 'untrust']) {
    it(`plugins ${command} without PLUGIN fails asking for it, whatever stdin holds`, async () => {
      const sandbox = makeSandbox()
      try {
        const result = await runCli(['plugins', command], {env: sandbox.env, stdin: 'some-plugin\n'})
        assert.equal(result.code, 2, result.stderr)
        assert.match(result.stderr, new RegExp(`plugins ${command} needs PLUGIN`))
        assert.doesNotMatch(result.stderr, /some-plugin/)
      } finally {
        sandbox.cleanup()
      }
    })
  }
})
