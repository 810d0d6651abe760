import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {AccountsError} from '../../src/lib/accounts/accounts-error.ts'
import {
  checkPipedSecret,
  handleForAccountFlag,
  type SaveLoginInput,
  saveLoginAccount,
} from '../../src/lib/accounts/login-account.ts'
import {createAppViewClient} from '../../src/lib/appview/client.ts'
import {PromptCancelledError} from '../../src/lib/prompts/prompter.ts'
import {type AppViewEmulator, startAppViewEmulator} from '../support/appview-emulator.ts'
import {accountFile, memoryStore, recordingClient, scriptedPrompter} from './account-fakes.ts'

const URL = 'https://atcr.io'
const alice = {handle: 'alice.test', did: 'did:plc:alice', deviceSecret: 'atcr_device_new'}
const savedAlice = () =>
  accountFile({
    [URL]: {
      active: 'bob.test',
      accounts: [
        {
          handle: 'alice.test',
          did: 'did:plc:alice',
          secret: 'atcr_device_old',
          appview_url: 'https://own.example',
        },
        {handle: 'bob.test', did: 'did:plc:bob', secret: 'atcr_device_bob'},
      ],
    },
  })

function setup(initial = accountFile({}), options: Parameters<typeof memoryStore>[1] = {}) {
  const {state, store} = memoryStore(initial, options)
  const here = recordingClient(URL)
  const owners = new Map<string | undefined, ReturnType<typeof recordingClient>>()
  const notes: string[] = []
  const input = (overrides: Partial<SaveLoginInput> = {}): SaveLoginInput => ({
    host: 'atcr.io',
    registryKey: URL,
    client: here.client,
    clientFor: async (url) => {
      if (!owners.has(url)) owners.set(url, recordingClient(url ?? URL))
      return owners.get(url)!.client
    },
    login: alice,
    issuedHere: true,
    yes: false,
    store,
    note: (line) => notes.push(line),
    ...overrides,
  })
  return {state, here, owners, notes, input}
}

describe('saveLoginAccount', () => {
  it('saves a new login as the active account and reports which one was active before', async () => {
    const {state, input, here} = setup(
      accountFile({[URL]: {active: 'bob.test', accounts: [{handle: 'bob.test', secret: 'atcr_device_bob'}]}}),
    )
    const result = await saveLoginAccount(input())
    assert.deepEqual(result, {
      outcome: 'saved',
      handle: 'alice.test',
      did: 'did:plc:alice',
      replaced: false,
      previousActive: 'bob.test',
      interrupted: false,
    })
    assert.equal(state.accounts.registries[URL]!.active, 'alice.test')
    assert.equal(state.accounts.registries[URL]!.accounts['alice.test']!.device_secret, 'atcr_device_new')
    assert.deepEqual(here.revoked, [])
  })

  for (const [what, login] of [
    ['__proto__ as handle', {...alice, handle: '__proto__'}],
    ['a path as handle', {...alice, handle: '../x'}],
    ['a DID as handle', {...alice, handle: 'did:plc:alice'}],
    ['a DID that is not one', {...alice, did: 'plc:alice'}],
  ] as const) {
    it(`refuses ${what}: nothing saved, the issued secret revoked at the AppView that issued it`, async () => {
      const {state, input, here} = setup()
      await assert.rejects(
        saveLoginAccount(input({login})),
        (error: unknown) =>
          error instanceof AccountsError &&
          error.exit === 1 &&
          /secret it issued was revoked\. Nothing was saved\.$/.test(error.message),
      )
      assert.equal(state.saves, 0)
      assert.deepEqual(here.revoked, [{handle: login.handle, deviceSecret: login.deviceSecret}])
    })
  }

  it('a handle like "constructor" is a real own entry, not a lookup of Object.prototype', async () => {
    const {state, input} = setup()
    await saveLoginAccount(input({login: {...alice, handle: 'constructor'}}))
    const entry = state.accounts.registries[URL]!
    assert.ok(Object.hasOwn(entry.accounts, 'constructor'))
    assert.equal(
      Object.getOwnPropertyDescriptor(entry.accounts, 'constructor')?.value?.device_secret,
      'atcr_device_new',
    )
  })

  it('replacing without a terminal: exit 2 naming --yes, the issued secret revoked, nothing saved', async () => {
    const {state, input, here} = setup(savedAlice())
    await assert.rejects(
      saveLoginAccount(input()),
      (error: unknown) =>
        error instanceof AccountsError && error.exit === 2 && /Pass --yes/.test(error.message),
    )
    assert.equal(state.saves, 0)
    assert.equal(here.revoked.length, 1)
  })

  it('a piped secret is never revoked, whatever happens', async () => {
    const {input, here, owners} = setup(savedAlice())
    await assert.rejects(saveLoginAccount(input({issuedHere: false})), AccountsError)
    await assert.rejects(saveLoginAccount(input({issuedHere: false, login: {...alice, handle: '__proto__'}})))
    assert.deepEqual(here.revoked, [])
    assert.equal(owners.size, 0)
  })

  it('asks before replacing, defaulting to No; No keeps the saved login and revokes the issued secret', async () => {
    const {state, input, here} = setup(savedAlice())
    const {prompter, asked} = scriptedPrompter({confirm: false})
    const result = await saveLoginAccount(input({prompter}))
    assert.equal(result.outcome, 'kept')
    assert.deepEqual(asked, [
      {
        kind: 'confirm',
        message: 'alice.test is already logged in to atcr.io. Replace its saved login?',
        initial: false,
      },
    ])
    assert.equal(state.saves, 0)
    assert.equal(here.revoked.length, 1)
  })

  it('Ctrl-C at the question: PromptCancelledError, after revoking the issued secret', async () => {
    const {state, input, here} = setup(savedAlice())
    const {prompter} = scriptedPrompter({confirm: new PromptCancelledError()})
    await assert.rejects(saveLoginAccount(input({prompter})), PromptCancelledError)
    assert.equal(state.saves, 0)
    assert.equal(here.revoked.length, 1)
  })

  it("Yes replaces, then revokes the old secret at that account's own AppView", async () => {
    const {state, input, here, owners} = setup(savedAlice())
    const {prompter} = scriptedPrompter({confirm: true})
    const result = await saveLoginAccount(input({prompter}))
    assert.equal(result.replaced, true)
    assert.equal(state.accounts.registries[URL]!.accounts['alice.test']!.device_secret, 'atcr_device_new')
    assert.equal(state.accounts.registries[URL]!.accounts['alice.test']!.appview_url, undefined)
    assert.deepEqual(here.revoked, [])
    assert.deepEqual([...owners.keys()], ['https://own.example'])
    assert.deepEqual(owners.get('https://own.example')!.revoked, [
      {handle: 'alice.test', deviceSecret: 'atcr_device_old'},
    ])
  })

  it('a save that fails after approval says so, revokes the issued secret and throws the store error', async () => {
    const failure = new Error('the file system is read-only')
    const {input, here, notes} = setup(savedAlice(), {failSave: failure})
    await assert.rejects(saveLoginAccount(input({yes: true})), failure)
    assert.equal(here.revoked.length, 1)
    assert.deepEqual(notes, [
      'The login of alice.test was approved but could not be saved; the secret it issued was revoked.',
    ])
  })

  it('Ctrl-C after the approval: the save completes, the replaced secret is left alone', async () => {
    const {state, input, owners} = setup(savedAlice())
    const result = await saveLoginAccount(input({yes: true, interrupted: () => true}))
    assert.equal(result.interrupted, true)
    assert.equal(state.saves, 1)
    assert.equal(owners.size, 0)
  })
})

describe('handleForAccountFlag', () => {
  it('takes a handle in any case, with an @; refuses anything else with exit 2', () => {
    assert.equal(handleForAccountFlag('@Alice.Test', 'atcr.io'), 'alice.test')
    for (const bad of [undefined, '', '__proto__', 'did:plc:alice', 'a b', 'x/y']) {
      assert.throws(
        () => handleForAccountFlag(bad, 'atcr.io'),
        (error: unknown) =>
          error instanceof AccountsError && error.exit === 2 && /--account/.test(error.message),
        String(bad),
      )
    }
  })
})

describe('checkPipedSecret (AppView emulator)', () => {
  let emulator: AppViewEmulator
  before(async () => {
    emulator = await startAppViewEmulator()
  })
  after(() => emulator.close())

  it('a valid secret comes back with the DID of its token; others are refused, never echoed', async () => {
    const client = createAppViewClient({baseUrl: emulator.url, retries: 0})
    const secret = emulator.addAccount({handle: 'alice.test', did: 'did:plc:alice'})
    assert.deepEqual(
      await checkPipedSecret({client, host: emulator.host, handle: 'alice.test', text: `${secret}\n`}),
      {handle: 'alice.test', did: 'did:plc:alice', deviceSecret: secret},
    )
    await assert.rejects(
      checkPipedSecret({client, host: emulator.host, handle: 'alice.test', text: 'hunter2'}),
      (error: unknown) => error instanceof AccountsError && error.exit === 2,
    )
    await assert.rejects(
      checkPipedSecret({client, host: emulator.host, handle: 'alice.test', text: 'atcr_device_unknown'}),
      (error: unknown) =>
        error instanceof AccountsError &&
        error.exit === 1 &&
        /does not accept/.test(error.message) &&
        !error.message.includes('atcr_device_unknown'),
    )
  })
})
