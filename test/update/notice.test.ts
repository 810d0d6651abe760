import assert from 'node:assert/strict'
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
import {channelManifestUrl} from '../../src/lib/update/release-host.ts'

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
  before(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'atcr-notice-'))
    server = createServer((request, response) => {
      hits++
      if (request.url === '/channels/stable/docker-credential-atcr-linux-x64-buildmanifest') {
        response.setHeader('content-type', 'application/json')
        response.end(JSON.stringify({version: '0.3.0', gz: 'ignored'}))
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

  const target = {bin: 'docker-credential-atcr', channel: 'stable', platform: 'linux', arch: 'x64'}

  it('reads the version of the channel manifest', async () => {
    assert.equal(await fetchChannelVersion(channelManifestUrl(host, target), {timeoutMs: 5000}), '0.3.0')
    assert.equal(
      await fetchChannelVersion(channelManifestUrl(host, {...target, channel: 'nope'}), {timeoutMs: 5000}),
      undefined,
    )
  })

  it('never asks a cleartext host that is not loopback', async () => {
    let asked = false
    const fetch = (async () => {
      asked = true
      return new Response('{"version": "9.9.9"}')
    }) as typeof globalThis.fetch
    const url = channelManifestUrl('http://releases.example.com', target)
    assert.equal(await fetchChannelVersion(url, {timeoutMs: 100, fetch}), undefined)
    assert.equal(asked, false)
  })

  it('gives up within its time budget', async () => {
    await assert.rejects(fetchChannelVersion(`${host}/slow/x`, {timeoutMs: 100}))
  })

  it('records the check in the state file, and records a failed check too', async () => {
    const file = path.join(directory, 'update-check.json')
    writeFileSync(file, JSON.stringify({notifiedAt: 5}))
    const state = await refreshNoticeState(file, channelManifestUrl(host, target), 'stable', {
      now: () => now,
      timeoutMs: 5000,
    })
    assert.deepEqual(state, {notifiedAt: 5, checkedAt: now, channel: 'stable', latest: '0.3.0'})
    assert.deepEqual(readNoticeState(file), state)
    const failed = await refreshNoticeState(file, `${host}/missing`, 'stable', {
      now: () => now + 1,
      timeoutMs: 5000,
    })
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
