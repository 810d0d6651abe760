import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {mergeContributions} from '../../src/lib/plugins/contributed-registries.ts'
import {appViewUrlFor} from '../../src/lib/registry/appview-url.ts'

describe('mergeContributions', () => {
  it('keys contributions by canonical host and normalises the AppView URL', () => {
    const {registries, problems} = mergeContributions([
      {
        plugin: 'p1',
        result: [
          {host: 'Example.CR:443', appViewUrl: 'https://appview.example.net/', description: 'one\ntwo'},
        ],
      },
    ])
    assert.deepEqual(problems, [])
    assert.deepEqual(
      [...registries.values()],
      [{host: 'example.cr', appViewUrl: 'https://appview.example.net', plugin: 'p1', description: 'one'}],
    )
  })

  it('drops invalid contributions with a reason, and keeps the first claim of a host', () => {
    const {registries, problems} = mergeContributions([
      {
        plugin: 'p1',
        result: [
          {host: 'a.cr', appViewUrl: 'https://a.example'},
          {host: 'not a host', appViewUrl: 'https://x'},
          {host: 'b.cr', appViewUrl: 'ftp://b.example'},
          {host: 'c.cr', appViewUrl: 'https://user:pw@c.example'},
        ],
      },
      {plugin: 'p2', result: [{host: 'a.cr', appViewUrl: 'https://evil.example'}]},
      {plugin: 'p3', result: 'nope'},
      {plugin: 'p4', result: undefined},
    ])
    assert.deepEqual([...registries.keys()], ['a.cr'])
    assert.equal(registries.get('a.cr')!.appViewUrl, 'https://a.example')
    assert.equal(problems.length, 5)
    assert.ok(problems.some((line) => line.startsWith('p2: a.cr is already contributed by p1')))
    assert.ok(problems.every((line) => !line.includes('pw@')))
  })
})

describe('appViewUrlFor with a contributed AppView URL', () => {
  const none = () => []
  it('uses the contribution instead of the built-in rule', () => {
    assert.equal(appViewUrlFor('example.cr', {insecureRegistries: none}), 'https://example.cr')
    assert.equal(
      appViewUrlFor('example.cr', {
        contributedAppViewUrl: 'https://appview.example.net/',
        insecureRegistries: none,
      }),
      'https://appview.example.net',
    )
  })

  it("still lets an account's stored URL win", () => {
    assert.equal(
      appViewUrlFor('example.cr', {
        accountAppViewUrl: 'https://stored.example',
        contributedAppViewUrl: 'https://appview.example.net',
        insecureRegistries: none,
      }),
      'https://stored.example',
    )
  })
})
