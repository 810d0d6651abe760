import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'

import {AccountsError} from '../../src/lib/accounts/accounts-error.ts'
import {accountStoreAt} from '../../src/lib/accounts/accounts-on-disk.ts'
import {type LogoutInput, logoutAccount} from '../../src/lib/accounts/logout-account.ts'
import {accountFilePaths} from '../../src/lib/config/account-store.ts'
import {PromptCancelledError} from '../../src/lib/prompts/prompter.ts'
import {accountFile, memoryStore, scriptedPrompter} from './account-fakes.ts'

const URL = 'https://atcr.io'
const three = () =>
  accountFile({
    [URL]: {
      active: 'bob.test',
      accounts: [
        {handle: 'alice.test', did: 'did:plc:alice', secret: 'atcr_device_alice'},
        {
          handle: 'bob.test',
          did: 'did:plc:bob',
          secret: 'atcr_device_bob',
          appview_url: 'https://own.example',
        },
        {handle: 'carol.test', secret: 'atcr_device_carol'},
      ],
    },
  })

function setup(initial = three(), options: Parameters<typeof memoryStore>[1] = {}) {
  const {state, store} = memoryStore(initial, options)
  const events: string[] = []
  const revoked: Array<{host: string; handle: string; appview_url?: string}> = []
  const input = (overrides: Partial<LogoutInput> = {}): LogoutInput => ({
    yes: true,
    store: {
      ...store,
      proveWritable: () => {
        events.push('prove')
        store.proveWritable()
      },
      update: (change) => {
        events.push('save')
        return store.update(change)
      },
    },
    revoke: async (host, account) => {
      events.push('revoke')
      revoked.push({host, handle: account.handle, appview_url: account.appview_url})
      return true
    },
    ...overrides,
  })
  return {state, events, revoked, input}
}

describe('logoutAccount', () => {
  it('proves the save, revokes at the account’s own AppView, removes, scrubs backups, names the new active account', async () => {
    const {state, events, revoked, input} = setup()
    const outcome = await logoutAccount(input({account: 'did:plc:bob'}))
    assert.deepEqual(events, ['prove', 'revoke', 'save'])
    assert.deepEqual(revoked, [{host: 'atcr.io', handle: 'bob.test', appview_url: 'https://own.example'}])
    assert.deepEqual(outcome, {
      outcome: 'logged out',
      result: {registry: 'atcr.io', removed: 'bob.test', revoked: true, active: 'alice.test'},
      newActive: 'alice.test',
      scrubbedBackups: ['device.json.bak'],
      backupProblem: undefined,
    })
    assert.deepEqual(state.scrubbed, ['atcr_device_bob'])
    assert.deepEqual(Object.keys(state.accounts.registries[URL]!.accounts), ['alice.test', 'carol.test'])
  })

  it('when the account file cannot be changed, nothing is revoked', async () => {
    const unwritable = new Error('the file system is read-only')
    const {state, events, input} = setup(three(), {unwritable})
    await assert.rejects(logoutAccount(input({account: 'bob.test'})), unwritable)
    assert.deepEqual(events, ['prove'])
    assert.equal(state.saves, 0)
  })

  it('a save that fails after the revocation says exactly that', async () => {
    const {events, input} = setup(three(), {failSave: new Error('device.json: permission denied')})
    await assert.rejects(
      logoutAccount(input({account: 'bob.test'})),
      (error: unknown) =>
        error instanceof AccountsError &&
        /^The secret of bob\.test was revoked on atcr\.io, but the account could not be removed: device\.json: permission denied\./.test(
          error.message,
        ) &&
        /logout atcr\.io --account bob\.test --yes$/.test(error.message),
    )
    assert.deepEqual(events, ['prove', 'revoke', 'save'])
  })

  it('asks which account (handle, DID and active marker as switch shows them), then confirms defaulting to No', async () => {
    const {events, input} = setup()
    const {prompter, asked} = scriptedPrompter({select: () => 'carol.test', confirm: false})
    const outcome = await logoutAccount(input({yes: false, prompter}))
    assert.equal(outcome.outcome, 'declined')
    assert.deepEqual(asked, [
      {
        kind: 'select',
        message: 'Which account of atcr.io to log out?',
        choices: [
          {value: 'alice.test', label: 'alice.test', hint: '(did:plc:alice)'},
          {value: 'bob.test', label: 'bob.test', hint: '(did:plc:bob, active)'},
          {value: 'carol.test', label: 'carol.test', hint: undefined},
        ],
        initial: undefined,
      },
      {kind: 'confirm', message: 'Log out carol.test from atcr.io?', initial: false},
    ])
    assert.deepEqual(events, [], 'declining proves, revokes and saves nothing')
  })

  it('without a terminal names the flag that answers each question (exit 2)', async () => {
    const {events, input} = setup()
    await assert.rejects(
      logoutAccount(input()),
      (error: unknown) =>
        error instanceof AccountsError && error.exit === 2 && /Pass --account/.test(error.message),
    )
    await assert.rejects(
      logoutAccount(input({yes: false, account: 'alice.test'})),
      (error: unknown) =>
        error instanceof AccountsError && error.exit === 2 && /Pass --yes/.test(error.message),
    )
    assert.deepEqual(events, [])
  })

  it('picks the registry as switch does: the only one with accounts; with several, asks or names them', async () => {
    const several = accountFile({
      'https://buoy.cr': {accounts: [{handle: 'dave.test', secret: 'atcr_device_dave'}]},
      'http://localhost:5000': {accounts: [{handle: 'erin.test', secret: 'atcr_device_erin'}]},
    })
    const {input} = setup(several)
    await assert.rejects(
      logoutAccount(input()),
      (error: unknown) =>
        error instanceof AccountsError &&
        error.exit === 2 &&
        /buoy\.cr, localhost:5000/.test(error.message) &&
        /logout buoy\.cr$/.test(error.message),
    )
    const {prompter, asked} = scriptedPrompter({select: () => 'localhost:5000'})
    const outcome = await logoutAccount(input({prompter}))
    assert.equal(outcome.outcome === 'logged out' && outcome.result.removed, 'erin.test')
    assert.equal(asked[0]!.message, 'Which registry to log out from?')

    const {input: onlyOne} = setup(
      accountFile({'https://buoy.cr': {accounts: [{handle: 'dave.test', secret: 's'}]}}),
    )
    const only = await logoutAccount(onlyOne())
    assert.equal(only.outcome === 'logged out' && only.result.registry, 'buoy.cr')
  })

  it('Ctrl-C at a question propagates as PromptCancelledError, nothing done', async () => {
    const {events, input} = setup()
    const {prompter} = scriptedPrompter({confirm: new PromptCancelledError()})
    await assert.rejects(
      logoutAccount(input({yes: false, account: 'bob.test', prompter})),
      PromptCancelledError,
    )
    assert.deepEqual(events, [])
  })
})

describe('accountStoreAt (a real directory)', () => {
  it('proveWritable leaves nothing behind; scrubBackups blanks one secret in every backup and nothing else', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'atcr-store-'))
    try {
      const paths = accountFilePaths({ATCR_CONFIG_DIR: path.join(root, 'atcr')}, root)
      const store = accountStoreAt(paths)
      store.proveWritable()
      assert.deepEqual(readdirSync(paths.directory), [])
      const legacy = JSON.stringify({
        credentials: {
          'https://atcr.io': {handle: 'a', device_secret: 'atcr_device_gone'},
          'https://buoy.cr': {handle: 'b', device_secret: 'atcr_device_kept'},
        },
      })
      writeFileSync(`${paths.file}.bak`, legacy)
      writeFileSync(`${paths.file}.bak.1`, legacy)
      writeFileSync(path.join(paths.directory, 'notes.txt'), 'atcr_device_gone')
      assert.deepEqual(store.scrubBackups('atcr_device_gone').sort(), [
        'device.json.bak',
        'device.json.bak.1',
      ])
      const scrubbed = JSON.parse(readFileSync(`${paths.file}.bak`, 'utf8'))
      assert.equal(scrubbed.credentials['https://atcr.io'].device_secret, '')
      assert.equal(scrubbed.credentials['https://buoy.cr'].device_secret, 'atcr_device_kept')
      assert.equal(readFileSync(path.join(paths.directory, 'notes.txt'), 'utf8'), 'atcr_device_gone')
      assert.deepEqual(store.scrubBackups('atcr_device_gone'), [])
    } finally {
      rmSync(root, {recursive: true, force: true})
    }
  })
})
