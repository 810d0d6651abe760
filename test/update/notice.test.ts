import assert from 'node:assert/strict'
import {generateKeyPairSync} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {
  DAY_MS,
  fetchChannelVersion,
  planNotice,
  readNoticeState,
  refreshNoticeState,
} from '../../src/lib/update/notice.ts'
import {noticeSuppressedBecause} from '../../src/lib/update/notice-suppression.ts'
import {signDocument} from '../../src/lib/update/signed-document.ts'

const base = {
  currentVersion: '0.1.0',
  channel: 'stable',
  bin: 'docker-credential-atcr',
  updateCommand: 'x update',
}
const now = 1_800_000_000_000

describe('noticeSuppressedBecause', () => {
  const people = {env: {}, commandId: 'status', argv: []}
  it('allows a people command', () => assert.equal(noticeSuppressedBecause(people), undefined))
  it('is silenced by ATCR_NO_UPDATE_NOTIFIER and by CI', () => {
    assert.match(
      noticeSuppressedBecause({...people, env: {ATCR_NO_UPDATE_NOTIFIER: '1'}})!,
      /ATCR_NO_UPDATE_NOTIFIER/,
    )
    assert.match(noticeSuppressedBecause({...people, env: {CI: 'true'}})!, /CI/)
    assert.equal(noticeSuppressedBecause({...people, env: {ATCR_NO_UPDATE_NOTIFIER: '0', CI: ''}}), undefined)
  })
  it('never speaks for protocol verbs, update itself or --json', () => {
    for (const commandId of ['get', 'store', 'erase', 'list', 'update'])
      assert.ok(noticeSuppressedBecause({...people, commandId}))
    assert.ok(noticeSuppressedBecause({...people, argv: ['--json']}))
  })
})

describe('planNotice', () => {
  it('shows nothing and refreshes when nothing is known yet', () => {
    assert.deepEqual(planNotice({...base, state: {}, now}), {refresh: true})
  })

  it('announces a newer version once, then stays quiet for a day', () => {
    const state = {checkedAt: now - 1000, channel: 'stable', latest: '0.2.0'}
    const first = planNotice({...base, state, now})
    assert.equal(first.refresh, false)
    assert.equal(
      first.notice,
      'docker-credential-atcr 0.2.0 is available (you have 0.1.0). Update with: x update',
    )
    assert.equal(first.notice!.includes('\n'), false)
    const later = planNotice({...base, state: first.nextState!, now: now + DAY_MS - 1})
    assert.equal(later.notice, undefined)
    const nextDay = planNotice({...base, state: first.nextState!, now: now + DAY_MS})
    assert.ok(nextDay.notice)
    assert.equal(nextDay.refresh, true) // the check itself is a day old by then
  })

  it('says nothing when the known version is not newer, or belongs to another channel', () => {
    assert.equal(
      planNotice({...base, state: {checkedAt: now, channel: 'stable', latest: '0.1.0'}, now}).notice,
      undefined,
    )
    const otherChannel = planNotice({
      ...base,
      state: {checkedAt: now, channel: 'beta', latest: '0.3.0-beta.1'},
      now,
    })
    assert.equal(otherChannel.notice, undefined)
    assert.equal(otherChannel.refresh, true)
  })

  it('treats a check from the future (clock moved back) as stale', () => {
    assert.equal(
      planNotice({...base, state: {checkedAt: now + DAY_MS, channel: 'stable'}, now}).refresh,
      true,
    )
  })
})

describe('refreshing from the release host', () => {
  let server: Server
  let host: string
  let hits = 0
  let directory: string
  const {privateKey, publicKey} = generateKeyPairSync('ed25519')
  const publicKeyPem = publicKey.export({type: 'spki', format: 'pem'}).toString()
  const privateKeyPem = privateKey.export({type: 'pkcs8', format: 'pem'}).toString()
  const MANIFEST = '/channels/stable/docker-credential-atcr-linux-x64-buildmanifest'
  const signed = Buffer.from(JSON.stringify({version: '0.3.0', sha256gz: 'a'.repeat(64)}))
  const noSha = Buffer.from(JSON.stringify({version: '0.4.0'}))
  const documents: Record<string, Buffer | string> = {
    [MANIFEST]: signed,
    [`${MANIFEST}.sig`]: signDocument(signed, privateKeyPem),
    '/unsigned': signed,
    '/other-key': signed,
    '/other-key.sig': signDocument(
      signed,
      generateKeyPairSync('ed25519').privateKey.export({type: 'pkcs8', format: 'pem'}).toString(),
    ),
    '/no-sha': noSha,
    '/no-sha.sig': signDocument(noSha, privateKeyPem),
    '/huge': Buffer.alloc(1024 * 1024, 0x20),
    '/huge.sig': signDocument(Buffer.alloc(1024 * 1024, 0x20), privateKeyPem),
  }
  before(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'atcr-notice-'))
    server = createServer((request, response) => {
      hits++
      const document = documents[request.url ?? '']
      if (document !== undefined) {
        response.end(document)
      } else if (request.url?.startsWith('/redirect')) {
        response.statusCode = 302
        response.setHeader('location', MANIFEST + (request.url.endsWith('.sig') ? '.sig' : ''))
        response.end()
      } else if (request.url?.includes('/slow/')) {
        setTimeout(() => response.end('{}'), 2000)
      } else {
        response.statusCode = 404
        response.end()
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => {
    server.closeAllConnections()
    server.close()
    rmSync(directory, {recursive: true, force: true})
  })
  const check = {timeoutMs: 5000, publicKeyPem}

  it('reads the version of the signed channel manifest', async () => {
    assert.equal(await fetchChannelVersion(`${host}${MANIFEST}`, check), '0.3.0')
    await assert.rejects(fetchChannelVersion(`${host}/channels/nope/x-buildmanifest`, check), /answered 404/)
  })

  it('refuses a manifest that is unsigned, signed with another key, or has no sha256gz', async () => {
    await assert.rejects(fetchChannelVersion(`${host}/unsigned`, check), /not signed/)
    await assert.rejects(fetchChannelVersion(`${host}/other-key`, check), /signature does not verify/)
    assert.equal(await fetchChannelVersion(`${host}/no-sha`, check), undefined)
  })

  it('follows no redirect and reads no more than a manifest can weigh', async () => {
    await assert.rejects(fetchChannelVersion(`${host}/redirect`, check), /answered 302/)
    await assert.rejects(fetchChannelVersion(`${host}/huge`, check), /larger than/)
  })

  it('never asks a cleartext host that is not loopback', async () => {
    const before = hits
    assert.equal(
      await fetchChannelVersion('http://releases.example.com/x', {...check, timeoutMs: 100}),
      undefined,
    )
    assert.equal(hits, before)
  })

  it('gives up within its time budget', async () => {
    await assert.rejects(fetchChannelVersion(`${host}/slow/x`, {...check, timeoutMs: 100}))
  })

  it('records the check in the state file, and records a failed check too', async () => {
    const file = path.join(directory, 'update-check.json')
    writeFileSync(file, JSON.stringify({notifiedAt: 5}))
    const state = await refreshNoticeState(file, `${host}${MANIFEST}`, 'stable', {...check, now: () => now})
    assert.deepEqual(state, {notifiedAt: 5, checkedAt: now, channel: 'stable', latest: '0.3.0'})
    assert.deepEqual(readNoticeState(file), state)
    const failed = await refreshNoticeState(file, `${host}/missing`, 'stable', {...check, now: () => now + 1})
    assert.equal(failed.checkedAt, now + 1)
    assert.equal(failed.latest, '0.3.0') // keeps what it knew
    assert.ok(hits >= 3)
  })

  it('reads a damaged state file as empty', () => {
    const file = path.join(directory, 'damaged.json')
    writeFileSync(file, '{not json')
    assert.deepEqual(readNoticeState(file), {})
  })
})
