/** `get` and the AppView session behind the chosen secret (issue 3), spawned as Docker runs it. */
import assert from 'node:assert/strict'
import {readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, it} from 'node:test'

import {sessionCacheKey} from '../../src/lib/session-check/session-cache.ts'
import {accountFileFor, makeSandbox, runCli, type Sandbox, useEmulator} from '../appview/cli-harness.ts'

const alice = {handle: 'alice.test', did: 'did:plc:alice'}

describe('get checks the session behind the secret', {timeout: 60_000}, () => {
  let sandbox: Sandbox
  let secret: string
  const emulator = useEmulator()
  beforeEach(() => {
    sandbox = makeSandbox()
    secret = emulator.addAccount(alice)
    sandbox.writeAccounts(accountFileFor(emulator.url, [{...alice, device_secret: secret}]))
  })
  afterEach(() => sandbox.cleanup())

  const get = (env: NodeJS.ProcessEnv = {}) =>
    runCli(['get'], {env: {...sandbox.env, CI: undefined, ...env}, stdin: emulator.host})
  const credentials = () =>
    `${JSON.stringify({ServerURL: emulator.host, Username: 'alice.test', Secret: secret})}\n`

  it('answers after one check, then from the cache without any request', async () => {
    const first = await get()
    assert.equal(first.code, 0, first.stdout + first.stderr)
    assert.equal(first.stdout, credentials())
    assert.deepEqual(emulator.requests, [{method: 'GET', path: '/auth/token'}])
    const cache = readFileSync(path.join(sandbox.configDir, 'session-cache.json'), 'utf8')
    assert.ok(!cache.includes(secret), 'the cache never holds the secret')

    const second = await get()
    assert.equal(second.stdout, credentials())
    assert.equal(emulator.requests.length, 1, 'a warm cache makes no request')
  })

  it('an expired session: exit 1, one stdout line with the login URL, the same hint on stderr', async () => {
    emulator.expireSession('alice.test')
    const result = await get()
    emulator.restoreSession('alice.test')
    assert.equal(result.code, 1)
    const loginUrl = `${emulator.url}/auth/oauth/login?handle=alice.test`
    assert.equal(result.stdout.split('\n').length, 2, 'exactly one line')
    assert.ok(result.stdout.includes(loginUrl), result.stdout)
    assert.ok(result.stderr.includes(loginUrl), result.stderr)
    assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret))
    // A refusal is never trusted: the next get asks again (and succeeds once the person signed in).
    const again = await get()
    assert.equal(again.stdout, credentials())
    assert.equal(emulator.requests.length, 2)
  })

  it("an expired session names the AppView's own message, cleaned, on the one line", async () => {
    emulator.expireSession('alice.test', {message: 'Sign-in expired\u001b]52;c;cGF3bmVk\u0007 at\nPDS'})
    const result = await get()
    emulator.restoreSession('alice.test')
    assert.equal(result.code, 1)
    assert.equal(result.stdout.split('\n').length, 2, 'exactly one line')
    assert.match(result.stdout, /expired \(the AppView says: "Sign-in expired at PDS"\)\. Sign in again at /)
    // eslint-disable-next-line no-control-regex -- the point: no escape or bell reaches the output
    assert.doesNotMatch(result.stdout + result.stderr, /\u001b|\u0007|cGF3bmVk/)
  })

  it('a revoked secret: exit 1 naming docker-credential-atcr login', async () => {
    emulator.revoke(secret)
    const result = await get()
    assert.equal(result.code, 1)
    assert.match(
      result.stdout,
      /^127\.0\.0\.1:\d+: the device secret of alice\.test is no longer accepted .*Run: docker-credential-atcr login 127\.0\.0\.1:\d+\n$/,
    )
  })

  it('a dead, hanging or broken AppView: the stored credentials anyway', async () => {
    sandbox.writeAccounts(accountFileFor('http://127.0.0.1:1', [{...alice, device_secret: secret}]))
    const dead = await runCli(['get'], {env: sandbox.env, stdin: '127.0.0.1:1'})
    assert.equal(dead.code, 0)
    assert.equal(JSON.parse(dead.stdout).Secret, secret)

    sandbox.writeAccounts(accountFileFor(emulator.url, [{...alice, device_secret: secret}]))
    emulator.injectFault({path: '/auth/token', kind: 'hang'})
    const hanging = await get()
    assert.equal(hanging.code, 0)
    assert.equal(hanging.stdout, credentials())
    const requestsSoFar = emulator.requests.length
    assert.equal((await get()).stdout, credentials())
    assert.equal(emulator.requests.length, requestsSoFar, 'no second wait right after a hang')

    const cache = path.join(sandbox.configDir, 'session-cache.json')
    rmSync(cache)
    emulator.injectFault({path: '/auth/token', kind: '5xx'})
    assert.equal((await get()).stdout, credentials())
    rmSync(cache)
    emulator.injectFault({path: '/auth/token', kind: 'malformed'})
    assert.equal((await get()).stdout, credentials())
    assert.equal(emulator.requests.length, requestsSoFar + 2)
  })

  it('ATCR_SESSION_CHECK=0 skips the check', async () => {
    emulator.revoke(secret)
    const result = await get({ATCR_SESSION_CHECK: '0'})
    assert.equal(result.code, 0)
    assert.equal(emulator.requests.length, 0)
  })

  // Issue 9: Docker and buildx run several gets at once. The first claims the check; the others wait
  // for its verdict in the session cache, within the budget their own check would have had.
  it(
    '30 parallel gets with a cold cache: one check (two at most), every answer exact',
    {timeout: 120_000},
    async () => {
      const results = await Promise.all(Array.from({length: 30}, async () => get()))
      for (const result of results) {
        assert.equal(result.code, 0, result.stdout + result.stderr)
        assert.equal(result.stdout, credentials())
      }
      const checks = emulator.requests.filter((request) => request.path === '/auth/token').length
      // One, unless a marker was judged dead on a machine too loaded to finish a check in its budget.
      assert.ok(checks >= 1 && checks <= 2, `${checks} token requests for 30 gets of one account`)
      // No check-in-flight marker is left once the burst is over.
      assert.deepEqual(readdirSync(sandbox.configDir).sort(), ['device.json', 'session-cache.json'])
    },
  )

  // Issue 9, 50 cold gets at load average 11: 10 token requests for one account. Its checker's verdict
  // was dropped from the cache by another account's checker, whose own verdict was older (its clock was
  // read before it waited for the cache lock) and which took every newer entry for a stale one.
  it('a verdict another get recorded a moment after ours survives our write to the cache', async () => {
    const cacheFile = path.join(sandbox.configDir, 'session-cache.json')
    const other = sessionCacheKey('other.example', 'bob.test', 'atcr_device_bob')
    // Later than this get's own verdict, as when the other get wrote while this one waited for the lock.
    const later = Date.now() + 10_000
    writeFileSync(cacheFile, JSON.stringify({version: 1, valid: {[other]: later}, unreachable: {}}), {
      mode: 0o600,
    })
    const result = await get()
    assert.equal(result.stdout, credentials())
    assert.equal(emulator.requests.length, 1)
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as {valid: Record<string, number>}
    assert.equal(cache.valid[other], later, 'the verdict of the other get is still there')
    assert.equal(Object.keys(cache.valid).length, 2)
  })

  // A check may end without its verdict in the cache (lost to a write racing it, or its process gone):
  // the gets that waited for it must not all ask at once.
  it('when the check a burst waits for ends without a verdict, one waiter asks, not every one', async () => {
    const key = sessionCacheKey(emulator.host, alice.handle, secret)
    const marker = path.join(sandbox.configDir, `session-cache.json.${key.slice(0, 16)}.check`)
    // "Another get" (this live process) is checking.
    writeFileSync(marker, `${process.pid} ${Date.now()}\n`, {mode: 0o600})
    let settled = 0
    let markerRemoved = false
    const removeMarkerOnceAllWait = () => {
      if (++settled < 3 || markerRemoved) return
      markerRemoved = true
      unlinkSync(marker) // its check ended, and no verdict reached the cache
    }
    const results = await Promise.all(
      Array.from({length: 3}, async () => {
        let waiting = false
        const result = await runCli(['get'], {
          env: {...sandbox.env, CI: undefined, ATCR_DEBUG: '1'},
          stdin: emulator.host,
          onStderrLine: (line) => {
            if (!waiting && line.includes('another get is checking')) {
              waiting = true
              removeMarkerOnceAllWait()
            }
          },
        })
        if (!waiting) removeMarkerOnceAllWait() // it answered without waiting (a machine slower than the marker's age)
        return result
      }),
    )
    for (const result of results) {
      assert.equal(result.code, 0, result.stdout + result.stderr)
      assert.equal(result.stdout, credentials())
    }
    const checks = emulator.requests.filter((request) => request.path === '/auth/token').length
    assert.ok(checks <= 1, `${checks} token requests from 3 gets that waited for the same check`)
  })
})
