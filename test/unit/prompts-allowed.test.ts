import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {promptsAllowed} from '../../src/lib/prompts/prompter.ts'

const terminal = {isTTY: true}
const pipe = {isTTY: undefined}

describe('promptsAllowed: the one rule for asking a question', () => {
  it('asks only when stdin and stdout are both terminals', () => {
    assert.equal(promptsAllowed({stdin: terminal, stdout: terminal, env: {}}), true)
    assert.equal(promptsAllowed({stdin: pipe, stdout: terminal, env: {}}), false)
    assert.equal(promptsAllowed({stdin: terminal, stdout: pipe, env: {}}), false)
  })

  it('never asks in CI, and reads CI as every on/off variable is read', () => {
    for (const on of ['1', 'true', 'yes', 'github-actions'])
      assert.equal(promptsAllowed({stdin: terminal, stdout: terminal, env: {CI: on}}), false, `CI=${on}`)
    for (const off of ['', '0', 'false', 'no', 'off'])
      assert.equal(promptsAllowed({stdin: terminal, stdout: terminal, env: {CI: off}}), true, `CI=${off}`)
  })
})
