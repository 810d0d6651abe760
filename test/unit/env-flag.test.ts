import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {envFlag} from '../../src/lib/env-flag.ts'
import {noticeSuppressedBecause} from '../../src/lib/update/notice-suppression.ts'
import {sessionCheckDisabled} from '../../src/lib/session-check/check-before-get.ts'

describe('envFlag', () => {
  it('reads unset and empty as the default, 0/false/no/off as off, anything else as on', () => {
    for (const whenNotSet of [false, true]) {
      assert.equal(envFlag({}, 'X', whenNotSet), whenNotSet)
      assert.equal(envFlag({X: ''}, 'X', whenNotSet), whenNotSet)
      assert.equal(envFlag({X: '  '}, 'X', whenNotSet), whenNotSet)
      for (const off of ['0', 'false', 'no', 'off', 'OFF', ' False ', 'No'])
        assert.equal(envFlag({X: off}, 'X', whenNotSet), false, off)
      for (const on of ['1', 'true', 'yes', 'on', 'ON', 'anything'])
        assert.equal(envFlag({X: on}, 'X', whenNotSet), true, on)
    }
  })
})

describe('the variables that use it agree', () => {
  const people = {commandId: 'status', argv: []}

  it('ATCR_NO_UPDATE_NOTIFIER written as off leaves the notice on', () => {
    for (const value of ['0', 'false', 'no', 'off', 'OFF', ''])
      assert.equal(
        noticeSuppressedBecause({...people, env: {ATCR_NO_UPDATE_NOTIFIER: value}}),
        undefined,
        value,
      )
    for (const value of ['1', 'true', 'yes', 'on'])
      assert.match(
        noticeSuppressedBecause({...people, env: {ATCR_NO_UPDATE_NOTIFIER: value}}) ?? '',
        /ATCR_NO_UPDATE_NOTIFIER/,
      )
  })

  it('CI written as off is not CI', () => {
    assert.equal(noticeSuppressedBecause({...people, env: {CI: 'off'}}), undefined)
    assert.match(noticeSuppressedBecause({...people, env: {CI: 'true'}}) ?? '', /CI/)
  })

  it('ATCR_SESSION_CHECK is on unless written as off', () => {
    for (const value of [undefined, '', '1', 'on', 'yes'])
      assert.equal(sessionCheckDisabled({ATCR_SESSION_CHECK: value}), false, String(value))
    for (const value of ['0', 'false', 'no', 'off', 'OFF'])
      assert.equal(sessionCheckDisabled({ATCR_SESSION_CHECK: value}), true, value)
  })
})
