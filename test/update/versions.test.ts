import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {compareVersions, isNewer, isVersion} from '../../src/lib/update/versions.ts'

describe('compareVersions', () => {
  it('orders release numbers numerically, not as text', () => {
    assert.equal(compareVersions('0.10.0', '0.9.9'), 1)
    assert.equal(compareVersions('1.2.3', '1.2.3'), 0)
    assert.equal(compareVersions('1.2.3', '2.0.0'), -1)
  })

  it('ranks a release above its prereleases, and prereleases by their parts', () => {
    assert.equal(compareVersions('1.0.0', '1.0.0-beta.2'), 1)
    assert.equal(compareVersions('1.0.0-beta.2', '1.0.0-beta.10'), -1)
    assert.equal(compareVersions('1.0.0-beta', '1.0.0-beta.1'), -1)
    assert.equal(compareVersions('1.0.0-alpha.1', '1.0.0-beta.1'), -1)
  })

  it('refuses what is not a version', () => {
    assert.equal(compareVersions('latest', '1.0.0'), undefined)
    assert.equal(isVersion('1.0'), false)
    assert.equal(isNewer('garbage', '1.0.0'), false)
  })

  it('isNewer is strict', () => {
    assert.equal(isNewer('0.2.0', '0.1.0'), true)
    assert.equal(isNewer('0.1.0', '0.1.0'), false)
    assert.equal(isNewer('0.1.0', '0.2.0-beta.1'), false)
  })
})
