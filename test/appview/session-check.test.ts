import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import fc from 'fast-check'

import {checkBeforeGet} from '../../src/lib/session-check/check-before-get.ts'
import {checkSecretLean} from '../../src/lib/session-check/check-secret-lean.ts'
import {sha256Hex} from '../../src/lib/session-check/sha256.ts'
import {
  cachedVerdict,
  checkInFlight,
  claimCheck,
  refusedRecently,
  remember,
  SESSION_CACHE_TTL_MS,
  sessionCacheKey,
  sessionCachePath,
} from '../../src/lib/session-check/session-cache.ts'
import {type AppViewEmulator, startAppViewEmulator} from '../support/appview-emulator.ts'

describe('session cache', () => {
  let directory: string
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'atcr-cache-'))
  })

  it('remembers a good answer for a few minutes, in a 0600 file without the secret', () => {
    const file = sessionCachePath(directory)
    const key = sessionCacheKey('atcr.io', 'alice.test', 'atcr_device_topsecret')
    assert.equal(cachedVerdict(file, key, 1_000_000), undefined)
    remember(file, key, 'valid', 1_000_000)
    assert.equal(cachedVerdict(file, key, 1_000_000 + SESSION_CACHE_TTL_MS.valid - 1), 'valid')
    assert.equal(cachedVerdict(file, key, 1_000_000 + SESSION_CACHE_TTL_MS.valid), undefined)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.doesNotMatch(readFileSync(file, 'utf8'), /topsecret/)
    rmSync(directory, {recursive: true})
  })

  it('remembers "no answer" for a shorter while, and a new verdict replaces the old one', () => {
    const file = sessionCachePath(directory)
    remember(file, 'k', 'unreachable', 0)
    assert.equal(cachedVerdict(file, 'k', SESSION_CACHE_TTL_MS.unreachable - 1), 'unreachable')
    assert.equal(cachedVerdict(file, 'k', SESSION_CACHE_TTL_MS.unreachable), undefined)
    remember(file, 'k', 'valid', 10)
    assert.equal(cachedVerdict(file, 'k', 20), 'valid')
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
      version: 1,
      valid: {k: 10},
      unreachable: {},
      refused: {},
    })
    rmSync(directory, {recursive: true})
  })

  it('a writer keeps the newer verdict of another key (recorded while it waited for the lock)', () => {
    const file = sessionCachePath(directory)
    remember(file, 'b', 'valid', 1_005)
    remember(file, 'a', 'valid', 1_000) // its check answered at 1 000, before b's
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).valid, {b: 1_005, a: 1_000})
    rmSync(directory, {recursive: true})
  })

  it('records a refusal only for a few seconds, and never as a verdict to answer with', () => {
    const file = sessionCachePath(directory)
    remember(file, 'k', 'valid', 0)
    remember(file, 'k', 'refused', 10)
    assert.equal(cachedVerdict(file, 'k', 20), undefined)
    assert.equal(refusedRecently(file, 'k', 20), true)
    assert.equal(refusedRecently(file, 'k', 10 + SESSION_CACHE_TTL_MS.refused), false)
    rmSync(directory, {recursive: true})
  })

  it('keys by host, handle and secret', () => {
    const key = sessionCacheKey('atcr.io', 'alice.test', 's1')
    assert.notEqual(key, sessionCacheKey('buoy.cr', 'alice.test', 's1'))
    assert.notEqual(key, sessionCacheKey('atcr.io', 'bob.test', 's1'))
    assert.notEqual(key, sessionCacheKey('atcr.io', 'alice.test', 's2'))
    assert.equal(key, sessionCacheKey('atcr.io', 'Alice.Test', 's1'))
  })

  it('treats a corrupt cache as a miss and replaces it, dropping stale entries', () => {
    const file = sessionCachePath(directory)
    writeFileSync(file, '{not json')
    assert.equal(cachedVerdict(file, 'k', 0), undefined)
    remember(file, 'old', 'valid', 0)
    remember(file, 'new', 'valid', SESSION_CACHE_TTL_MS.valid + 1)
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, 'utf8')).valid), ['new'])
    rmSync(directory, {recursive: true})
  })

  it('does not throw when the directory is not writable', () => {
    assert.doesNotThrow(() => remember(path.join(directory, 'missing', 'cache.json'), 'k', 'valid', 0))
    rmSync(directory, {recursive: true})
  })
})

describe('check before get', () => {
  let emulator: AppViewEmulator
  let directory: string
  const alice = {handle: 'alice.test', did: 'did:plc:alice'}
  before(async () => {
    emulator = await startAppViewEmulator()
  })
  after(async () => {
    await emulator.close()
  })
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'atcr-check-'))
    emulator.clearFaults()
    emulator.requests.length = 0
  })

  const input = (deviceSecret: string, extra: Partial<Parameters<typeof checkBeforeGet>[0]> = {}) => ({
    host: emulator.host,
    account: {handle: alice.handle, did: alice.did, device_secret: deviceSecret},
    cacheFile: sessionCachePath(directory),
    env: {},
    appViewUrl: () => emulator.url,
    ...extra,
  })

  it('asks once, then answers from the cache without a request', async () => {
    const secret = emulator.addAccount(alice)
    assert.deepEqual(await checkBeforeGet(input(secret)), {verdict: 'answer'})
    assert.equal(emulator.requests.length, 1)
    assert.deepEqual(await checkBeforeGet(input(secret)), {verdict: 'answer'})
    assert.equal(emulator.requests.length, 1)
    rmSync(directory, {recursive: true})
  })

  it('stops on an expired session with its login URL, and on a revoked secret', async () => {
    const secret = emulator.addAccount(alice)
    emulator.expireSession(alice.handle)
    const expired = await checkBeforeGet(input(secret))
    emulator.restoreSession(alice.handle)
    assert.equal(expired.verdict, 'session_expired')
    assert.match((expired as {loginUrl: string}).loginUrl, /^http:\/\/127\.0\.0\.1:\d+\/auth\/oauth\/login/)
    emulator.revoke(secret)
    assert.deepEqual(await checkBeforeGet(input(secret)), {verdict: 'revoked'})
    rmSync(directory, {recursive: true})
  })

  it('answers anyway when the AppView hangs, within the budget, and does not ask again for a minute', async () => {
    const secret = emulator.addAccount(alice)
    const key = sessionCacheKey(emulator.host, alice.handle, secret)
    emulator.injectFault({path: '/auth/token', kind: 'hang'})
    assert.deepEqual(await checkBeforeGet(input(secret, {budgetMs: 200})), {verdict: 'answer'})
    assert.equal(cachedVerdict(sessionCachePath(directory), key, Date.now()), 'unreachable')
    assert.deepEqual(await checkBeforeGet(input(secret)), {verdict: 'answer'})
    assert.equal(emulator.requests.length, 1, 'the second get made no request')
    const later = Date.now() + SESSION_CACHE_TTL_MS.unreachable
    emulator.revoke(secret)
    assert.deepEqual(await checkBeforeGet(input(secret, {now: () => later})), {verdict: 'revoked'})
    assert.equal(cachedVerdict(sessionCachePath(directory), key, later), undefined)
    rmSync(directory, {recursive: true})
  })

  it('answers anyway on a 5xx or a malformed answer', async () => {
    const secret = emulator.addAccount(alice)
    emulator.injectFault({path: '/auth/token', kind: '5xx'})
    assert.deepEqual(await checkBeforeGet(input(secret)), {verdict: 'answer'})
    rmSync(directory, {recursive: true})
    directory = mkdtempSync(path.join(tmpdir(), 'atcr-check-'))
    emulator.injectFault({path: '/auth/token', kind: 'malformed'})
    assert.deepEqual(await checkBeforeGet(input(secret)), {verdict: 'answer'})
    assert.equal(emulator.requests.length, 2)
    rmSync(directory, {recursive: true})
  })

  it('makes no request when ATCR_SESSION_CHECK=0', async () => {
    await checkBeforeGet(input('atcr_device_revoked', {env: {ATCR_SESSION_CHECK: '0'}}))
    assert.equal(emulator.requests.length, 0)
    rmSync(directory, {recursive: true})
  })

  it('lean check: a closed port and a bad URL are unreachable, never thrown', async () => {
    const base = {handle: 'a', deviceSecret: 'atcr_device_x', service: 'x', budgetMs: 1000, env: {}}
    assert.deepEqual(await checkSecretLean({...base, baseUrl: 'http://127.0.0.1:1'}), {
      state: 'unreachable',
      reason: 'ECONNREFUSED',
    })
    assert.equal((await checkSecretLean({...base, baseUrl: 'not a url'})).state, 'unreachable')
    rmSync(directory, {recursive: true})
  })
})

describe('sha256Hex', () => {
  it('matches node:crypto on empty, short, multi-block and non-ASCII input', () => {
    for (const text of [
      '',
      'abc',
      'a'.repeat(55),
      'a'.repeat(56),
      'a'.repeat(64),
      'x'.repeat(1000),
      'atcr.io\0Ålice\0atcr_device_✓',
    ]) {
      assert.equal(
        sha256Hex(text),
        createHash('sha256').update(text, 'utf8').digest('hex'),
        `length ${text.length}`,
      )
    }
  })

  it('matches node:crypto on any text (property)', () => {
    fc.assert(
      fc.property(fc.string({unit: 'binary', maxLength: 300}), (text) => {
        assert.equal(sha256Hex(text), createHash('sha256').update(text, 'utf8').digest('hex'))
      }),
      {numRuns: 300},
    )
  })
})

describe('one check per account in a cold burst (check-in-flight markers)', () => {
  let directory: string
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'atcr-claim-'))
  })
  const account = {handle: 'alice.test', did: '', device_secret: 'atcr_device_burst'}
  const base = () => ({
    host: 'atcr.example',
    account,
    cacheFile: sessionCachePath(directory),
    env: {},
    appViewUrl: () => 'https://atcr.example',
  })

  it('the first claim is the checker; others wait until it is released', () => {
    const file = sessionCachePath(directory)
    const first = claimCheck(file, 'k'.repeat(64), Date.now(), 2500)
    assert.equal(first.mine, true)
    assert.equal(claimCheck(file, 'k'.repeat(64), Date.now(), 2500).mine, false)
    assert.equal(checkInFlight(file, 'k'.repeat(64), Date.now(), 2500), true)
    if (first.mine) first.release()
    assert.equal(checkInFlight(file, 'k'.repeat(64), Date.now(), 2500), false)
    assert.deepEqual(readdirSync(directory), [])
    rmSync(directory, {recursive: true})
  })

  it('a marker whose process is gone, or older than a check can take, blocks nobody', () => {
    const file = sessionCachePath(directory)
    const key = 'd'.repeat(64)
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    })
    writeFileSync(`${file}.${key.slice(0, 16)}.check`, `${gone.stdout} ${Date.now()}\n`)
    assert.equal(claimCheck(file, key, Date.now(), 2500).mine, true, 'a dead process still blocks')
    const old = 'o'.repeat(64)
    writeFileSync(`${file}.${old.slice(0, 16)}.check`, `${process.pid} ${Date.now() - 10_000}\n`)
    assert.equal(claimCheck(file, old, Date.now(), 2500).mine, true, 'an old marker still blocks')
    rmSync(directory, {recursive: true})
  })

  it('a waiting get takes the verdict the checker leaves in the cache, without a request of its own', async () => {
    const file = sessionCachePath(directory)
    const key = sessionCacheKey('atcr.example', account.handle, account.device_secret)
    const other = claimCheck(file, key, Date.now(), 2500) // "another get" is checking
    let asked = 0
    const verdict = await checkBeforeGet({
      ...base(),
      check: async () => {
        asked++
        return {state: 'valid', did: ''}
      },
      sleep: async () => {
        remember(file, key, 'valid', Date.now())
        if (other.mine) other.release()
      },
    })
    assert.deepEqual(verdict, {verdict: 'answer'})
    assert.equal(asked, 0)
    rmSync(directory, {recursive: true})
  })

  it('a waiting get never waits past its budget: at the deadline it answers with the stored secret', async () => {
    const file = sessionCachePath(directory)
    const key = sessionCacheKey('atcr.example', account.handle, account.device_secret)
    claimCheck(file, key, Date.now(), 2500) // held by a live process (this one) that never answers
    let clock = 1_000_000_000_000
    let asked = 0
    const slept: number[] = []
    const verdict = await checkBeforeGet({
      ...base(),
      now: () => clock,
      budgetMs: 1500,
      check: async () => {
        asked++
        return {state: 'valid', did: ''}
      },
      sleep: async (ms) => {
        slept.push(ms)
        clock += ms
      },
    })
    assert.deepEqual(verdict, {verdict: 'answer'})
    assert.equal(asked, 0)
    assert.equal(
      slept.reduce((a, b) => a + b, 0),
      1500,
    )
    rmSync(directory, {recursive: true})
  })

  it('when the other check was refused, the waiter asks itself at once, without a claim', async () => {
    const file = sessionCachePath(directory)
    const key = sessionCacheKey('atcr.example', account.handle, account.device_secret)
    const other = claimCheck(file, key, Date.now(), 2500)
    let asked = 0
    const verdict = await checkBeforeGet({
      ...base(),
      check: async () => {
        asked++
        // Unclaimed: the other waiting gets of the burst ask at the same time, not one after another.
        assert.equal(checkInFlight(file, key, Date.now(), 2500), false)
        return {state: 'invalid'}
      },
      sleep: async () => {
        remember(file, key, 'refused', Date.now())
        if (other.mine) other.release()
      },
    })
    assert.deepEqual(verdict, {verdict: 'revoked'})
    assert.equal(asked, 1)
    rmSync(directory, {recursive: true})
  })

  it('when the other check ends without a verdict (its process died), the waiter asks itself', async () => {
    const file = sessionCachePath(directory)
    const key = sessionCacheKey('atcr.example', account.handle, account.device_secret)
    const other = claimCheck(file, key, Date.now(), 2500)
    const verdict = await checkBeforeGet({
      ...base(),
      check: async () => ({state: 'session_expired', loginUrl: 'https://atcr.example/login'}),
      sleep: async () => {
        if (other.mine) other.release()
      },
    })
    assert.deepEqual(verdict, {verdict: 'session_expired', loginUrl: 'https://atcr.example/login'})
    rmSync(directory, {recursive: true})
  })
})
