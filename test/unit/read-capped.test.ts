import assert from 'node:assert/strict'
import {Readable} from 'node:stream'
import {describe, it} from 'node:test'

import {InputTooLargeError, readCapped} from '../../src/lib/stdin/read-capped.ts'

describe('readCapped', () => {
  it('reads every chunk, strings and buffers, up to the cap', async () => {
    const bytes = await readCapped(Readable.from([Buffer.from('atcr'), '.io']), 7)
    assert.equal(bytes.toString('utf8'), 'atcr.io')
  })

  it('stops past the cap with InputTooLargeError, without reading the rest', async () => {
    let pulled = 0
    async function* endless() {
      for (;;) {
        pulled++
        yield Buffer.alloc(1024)
      }
    }
    await assert.rejects(readCapped(endless(), 4096), (error: unknown) => {
      assert.ok(error instanceof InputTooLargeError)
      assert.equal(error.maxBytes, 4096)
      assert.equal(error.message, 'input is larger than 4096 bytes')
      return true
    })
    assert.equal(pulled, 5)
  })
})
