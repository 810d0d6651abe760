import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  PluginNotTrustedError,
  type PluginToInstall,
  requirePluginConsent,
} from '../../src/lib/plugins/install-consent.ts'
import {type Prompter, PromptCancelledError} from '../../src/lib/prompts/prompter.ts'

function prompterAnswering(answer: boolean | Error): Prompter & {asked: string[]} {
  const asked: string[] = []
  return {
    asked,
    async confirm(message) {
      asked.push(message)
      if (answer instanceof Error) throw answer
      return answer
    },
    async select() {
      throw new Error('not used')
    },
  }
}

const thirdParty: PluginToInstall = {type: 'npm', name: 'atcr-plugin-shiny', tag: 'latest'}

function consent(overrides: Partial<Parameters<typeof requirePluginConsent>[0]>) {
  const warnings: string[] = []
  const prompter = prompterAnswering(true)
  const promise = requirePluginConsent({
    plugin: thirdParty,
    bin: 'docker-credential-atcr',
    trusted: false,
    canPrompt: true,
    prompter,
    warn: (line) => warnings.push(line),
    ...overrides,
  })
  return {
    promise,
    warnings,
    prompter: (overrides.prompter as ReturnType<typeof prompterAnswering>) ?? prompter,
  }
}

describe('requirePluginConsent', () => {
  it("installs the project's own plugins without a word", async () => {
    const {promise, warnings, prompter} = consent({plugin: {type: 'npm', name: '@atcr/plugin-extra'}})
    assert.equal(await promise, 'first-party')
    assert.deepEqual(warnings, [])
    assert.deepEqual(prompter.asked, [])
  })

  it('warns about the registry secrets and asks before a third-party plugin', async () => {
    const {promise, warnings, prompter} = consent({})
    assert.equal(await promise, 'confirmed')
    assert.equal(warnings.length, 1)
    assert.match(
      warnings[0]!,
      /atcr-plugin-shiny@latest is not a plugin of the docker-credential-atcr project/,
    )
    assert.match(warnings[0]!, /registry device secrets/)
    assert.equal(prompter.asked.length, 1)
  })

  it('treats a look-alike scope and a git URL as third party', async () => {
    for (const plugin of [
      {type: 'npm', name: '@atcr-fake/plugin'},
      {type: 'repo', url: 'https://github.com/atcr/plugin'},
    ] as PluginToInstall[]) {
      const {promise, warnings} = consent({plugin, canPrompt: false})
      await assert.rejects(promise, PluginNotTrustedError)
      assert.equal(warnings.length, 1)
    }
  })

  it('stops when the person says no or cancels', async () => {
    await assert.rejects(
      consent({prompter: prompterAnswering(false)}).promise,
      /Not installing atcr-plugin-shiny@latest/,
    )
    await assert.rejects(
      consent({prompter: prompterAnswering(new PromptCancelledError())}).promise,
      PluginNotTrustedError,
    )
  })

  it('refuses without a terminal, naming --trust, and never prompts', async () => {
    const {promise, prompter} = consent({canPrompt: false})
    await assert.rejects(promise, /no terminal to ask.*plugins install atcr-plugin-shiny@latest --trust/)
    assert.deepEqual(prompter.asked, [])
  })

  it('--trust confirms without asking, still warning', async () => {
    const {promise, warnings, prompter} = consent({trusted: true, canPrompt: false})
    assert.equal(await promise, 'trusted by flag')
    assert.equal(warnings.length, 1)
    assert.deepEqual(prompter.asked, [])
  })
})
