import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {redactSecrets} from '../../src/lib/text/redact-secrets.ts'

describe('redactSecrets', () => {
  it('cuts anything that looks like a device secret, up to a space or a quote, escapes included', () => {
    assert.equal(redactSecrets('got "alice:atcr_device_abc\\"def" here'), 'got "alice:atcr_device_…" here')
    assert.equal(redactSecrets('ATCR_DEVICE_XYZ and atcr_device_'), 'atcr_device_… and atcr_device_…')
  })

  it('cuts the user info of an address, with or without a scheme', () => {
    assert.equal(redactSecrets('"https://bob:hunter2@atcr.io/v2/"'), '"https://…@atcr.io/v2/"')
    assert.equal(redactSecrets('"bob:hunter2@atcr.io"'), '"…@atcr.io"')
    assert.equal(redactSecrets('"https://token@atcr.io"'), '"https://…@atcr.io"')
  })

  it('leaves ordinary text alone', () => {
    for (const text of [
      'Multiple accounts for atcr.io. Run: docker-credential-atcr switch',
      'atcr.io → alice.bsky.social (rule: command line; process 9 (docker) names atcr.io/alice.bsky.social/…)',
      'invalid registry server address: "localhost:5000/a/../b" contains a relative path segment',
    ])
      assert.equal(redactSecrets(text), text)
  })
})
