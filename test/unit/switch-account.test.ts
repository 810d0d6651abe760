import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  chooseSwitchRegistry,
  SwitchError,
  switchAccount,
  type SwitchInput,
} from '../../src/lib/accounts/switch-account.ts'
import type {AccountFile} from '../../src/lib/config/account-file.ts'
import type {Choice, Prompter} from '../../src/lib/prompts/prompter.ts'

function file(registries: Record<string, {active?: string; handles: string[]}>): AccountFile {
  const result: AccountFile = {version: 2, registries: {}}
  for (const [key, {active, handles}] of Object.entries(registries)) {
    result.registries[key] = {
      active,
      accounts: Object.fromEntries(
        handles.map((handle) => [
          handle,
          {handle, did: `did:plc:${handle[0]}`, device_secret: 'atcr_device_x'},
        ]),
      ),
    }
  }
  return result
}

/** Load/update over one in-memory file, counting writes. */
function store(accounts: AccountFile) {
  const state = {accounts, updates: 0}
  const io: Pick<SwitchInput, 'load' | 'update'> = {
    load: () => structuredClone(state.accounts),
    update: (change) => {
      const copy = structuredClone(state.accounts)
      const result = change(copy)
      state.accounts = copy
      state.updates++
      return result
    },
  }
  return {state, io}
}

/** A prompter that answers with `answer` and records what it was asked. */
function fakePrompter(answer: (choices: readonly Choice[]) => string) {
  const asked: Array<{message: string; choices: readonly Choice[]; initial?: string}> = []
  const prompter: Prompter = {
    confirm: () => Promise.reject(new Error('not expected')),
    select: async (message, choices, options) => {
      asked.push({message, choices, initial: options?.initial})
      return answer(choices)
    },
  }
  return {prompter, asked}
}

const three = () => file({'https://atcr.io': {active: 'bob', handles: ['alice', 'bob', 'carol']}})

describe('chooseSwitchRegistry', () => {
  it('the named one; else the only one with accounts; else atcr.io; else a usage error listing them', () => {
    const accounts = file({
      'https://buoy.cr': {handles: ['a']},
      'http://localhost:5000': {handles: ['b']},
      'https://empty.io': {handles: []},
    })
    assert.equal(chooseSwitchRegistry(accounts, 'localhost:5000').host, 'localhost:5000')
    assert.throws(
      () => chooseSwitchRegistry(accounts),
      (error: unknown) =>
        error instanceof SwitchError &&
        error.exit === 2 &&
        /buoy\.cr, localhost:5000/.test(error.message) &&
        /REGISTRY/.test(error.message) &&
        !error.message.includes('empty.io'),
    )
    accounts.registries['https://atcr.io'] = {
      accounts: {z: {handle: 'z', did: '', device_secret: 'atcr_device_z'}},
    }
    assert.equal(chooseSwitchRegistry(accounts).host, 'atcr.io')
    assert.equal(chooseSwitchRegistry(file({'https://buoy.cr': {handles: ['a']}})).host, 'buoy.cr')
    assert.throws(
      () => chooseSwitchRegistry(file({})),
      /No accounts yet\. Log in first: docker-credential-atcr login$/,
    )
    assert.throws(
      () => chooseSwitchRegistry(accounts, 'empty.io'),
      /No accounts for empty\.io.*login empty\.io/,
    )
  })
})

describe('switchAccount', () => {
  it('with more than two accounts asks, the active one preselected, and writes the answer', async () => {
    const {state, io} = store(three())
    const {prompter, asked} = fakePrompter((choices) => choices[2]!.value)
    const {outcome, result} = await switchAccount({...io, prompter})
    assert.equal(asked.length, 1)
    assert.equal(asked[0]!.initial, 'bob')
    assert.deepEqual(
      asked[0]!.choices.map((choice) => [choice.label, choice.hint]),
      [
        ['alice', '(did:plc:a)'],
        ['bob', '(did:plc:b, active)'],
        ['carol', '(did:plc:c)'],
      ],
    )
    assert.equal(outcome, 'switched')
    assert.deepEqual(result, {registry: 'atcr.io', active: 'carol', previous: 'bob', changed: true})
    assert.equal(state.accounts.registries['https://atcr.io']!.active, 'carol')
  })

  it('without a prompter (no terminal) requires --account and writes nothing', async () => {
    const {state, io} = store(three())
    await assert.rejects(
      switchAccount(io),
      (error: unknown) => error instanceof SwitchError && error.exit === 2 && /--account/.test(error.message),
    )
    assert.equal(state.updates, 0)
  })

  it('two accounts with none active is a question too, not a guess', async () => {
    const {io} = store(file({'https://atcr.io': {handles: ['alice', 'bob']}}))
    await assert.rejects(switchAccount(io), /--account/)
  })

  it('picking the account that is already active changes nothing', async () => {
    const {state, io} = store(three())
    const {prompter} = fakePrompter(() => 'bob')
    const {outcome, result} = await switchAccount({...io, prompter})
    assert.equal(outcome, 'already active')
    assert.equal(result.changed, false)
    assert.equal(state.accounts.registries['https://atcr.io']!.active, 'bob')
  })

  it('the account removed between the question and the write: an error, nothing written', async () => {
    const {state, io} = store(three())
    const {prompter} = fakePrompter((choices) => {
      delete state.accounts.registries['https://atcr.io']!.accounts.carol
      return choices[2]!.value
    })
    await assert.rejects(switchAccount({...io, prompter}), /carol.*removed while switching; nothing changed/)
    assert.equal(state.accounts.registries['https://atcr.io']!.active, 'bob')
  })

  it('the write keeps changes made by others since the read', async () => {
    const {state, io} = store(file({'https://atcr.io': {active: 'alice', handles: ['alice', 'bob']}}))
    const update = io.update
    const {result} = await switchAccount({
      ...io,
      update: (change) => {
        // Another helper added a registry after switch read the file.
        state.accounts.registries['https://buoy.cr'] = {accounts: {}}
        return update(change)
      },
    })
    assert.equal(result.active, 'bob')
    assert.ok(state.accounts.registries['https://buoy.cr'])
  })
})
