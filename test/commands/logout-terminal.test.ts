/**
 * `logout` driven in a real terminal (tmux) against the AppView emulator: the list of accounts (arrow
 * keys and Enter), the confirmation answered with the keyboard, and Ctrl-C at the list.
 * Run `npm run build` first.
 */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {after, describe, it} from 'node:test'

import {makeSandbox, useEmulator} from '../appview/cli-harness.ts'
import {CLI, REPO} from '../support/cli.ts'
import {hasTmux, startInTerminal, type TerminalSession} from '../support/terminal.ts'

const skip = hasTmux() ? false : 'tmux is not installed (apt-get install tmux)'
const HANDLES = ['alice.test', 'bob.test', 'carol.test']

describe('logout in a terminal', {skip, timeout: 180_000}, () => {
  const emulator = useEmulator()
  const cleanups: Array<() => void> = []
  after(() => {
    for (const cleanup of cleanups) cleanup()
  })

  /** Three saved accounts of the emulator's registry, `active` the active one. */
  function setup(active: string, extraRegistries: Record<string, unknown> = {}) {
    const sandbox = makeSandbox()
    cleanups.push(sandbox.cleanup)
    const secrets = Object.fromEntries(
      HANDLES.map((handle) => [
        handle,
        emulator.addAccount({handle, did: `did:plc:${handle.split('.')[0]}`}),
      ]),
    )
    sandbox.writeAccounts({
      version: 2,
      registries: {
        [emulator.url]: {
          active,
          accounts: Object.fromEntries(
            HANDLES.map((handle) => [
              handle,
              {handle, did: `did:plc:${handle.split('.')[0]}`, device_secret: secrets[handle]},
            ]),
          ),
        },
        ...extraRegistries,
      },
    })
    const original = readFileSync(sandbox.accountFile, 'utf8')
    // No CI variable (the harness sets one): prompts are allowed only for a person at a terminal.
    const env: NodeJS.ProcessEnv = {...sandbox.env, TERM: 'xterm-256color'}
    delete env.CI
    const start = async (args: string[] = [emulator.host]): Promise<TerminalSession> => {
      const session = await startInTerminal({
        command: process.execPath,
        args: [CLI, 'logout', ...args],
        env,
        cwd: REPO,
        cols: 120,
        rows: 30,
      })
      cleanups.push(session.close)
      return session
    }
    const entry = () => sandbox.readAccounts().registries[emulator.url]!
    const unchanged = () => readFileSync(sandbox.accountFile, 'utf8') === original
    return {start, entry, unchanged, secrets}
  }

  const secretWorks = async (handle: string, secret: string) =>
    (
      await fetch(`${emulator.url}/auth/token?service=x`, {
        headers: {authorization: `Basic ${Buffer.from(`${handle}:${secret}`).toString('base64')}`},
      })
    ).status === 200

  /** Start logout and pick `handle` in the list (the list starts on the first account, alice). */
  async function pick(term: TerminalSession, downs: number, handle: string) {
    const shown = await term.waitForText('carol.test', 30_000)
    assert.match(shown, /Which account of 127\.0\.0\.1:\d+ to log out\?/)
    assert.match(shown, /[❯▸>]\s*alice\.test/)
    for (let i = 0; i < downs; i++) term.sendKeys('Down')
    await term.waitForText(new RegExp(`[❯▸>]\\s*${handle.replace('.', '\\.')}`))
    term.sendKeys('Enter')
  }

  it('picks the active account from the list, confirms Yes, and names the account now active', async () => {
    const {start, entry, secrets} = setup('bob.test')
    const term = await start()
    await pick(term, 1, 'bob.test')
    const shown = await term.waitForText('Log out bob.test from', 30_000)
    assert.match(shown, /Log out bob\.test from 127\.0\.0\.1:\d+\?/)
    term.typeText('y')
    term.sendKeys('Enter')
    assert.equal(await term.waitForExit(30_000), 0, term.text())
    const text = term.text()
    assert.match(text, /Log out bob\.test from 127\.0\.0\.1:\d+\?.*\byes$/m, 'the answer reads yes')
    assert.doesNotMatch(text, /\b(true|false)\b/)
    assert.match(text, /Logged out bob\.test from 127\.0\.0\.1:\d+\n/)
    const now = entry()
    assert.deepEqual(Object.keys(now.accounts).sort(), ['alice.test', 'carol.test'])
    assert.ok(now.active === 'alice.test' || now.active === 'carol.test', String(now.active))
    assert.match(
      text,
      new RegExp(`${now.active!.replace('.', '\\.')} is now the active account for 127\\.0\\.0\\.1:\\d+`),
    )
    assert.equal(await secretWorks('bob.test', secrets['bob.test']!), false)
    assert.equal(await secretWorks('alice.test', secrets['alice.test']!), true)
    term.close()
  })

  it('picks an account that is not active: removed, the active one stays and nothing is said of it', async () => {
    const {start, entry} = setup('alice.test')
    const term = await start()
    await pick(term, 2, 'carol.test')
    await term.waitForText('Log out carol.test from', 30_000)
    term.typeText('y')
    term.sendKeys('Enter')
    assert.equal(await term.waitForExit(30_000), 0, term.text())
    assert.match(term.text(), /Logged out carol\.test from 127\.0\.0\.1:\d+/)
    assert.doesNotMatch(term.text(), /is now the active account/)
    assert.deepEqual(Object.keys(entry().accounts).sort(), ['alice.test', 'bob.test'])
    assert.equal(entry().active, 'alice.test')
    term.close()
  })

  it('answering No at the confirmation changes nothing', async () => {
    const {start, unchanged, secrets} = setup('bob.test')
    const term = await start()
    await pick(term, 1, 'bob.test')
    await term.waitForText('Log out bob.test from', 30_000)
    term.typeText('n')
    term.sendKeys('Enter')
    assert.equal(await term.waitForExit(30_000), 1, term.text())
    assert.match(term.text(), /^Nothing was changed\.$/m)
    assert.doesNotMatch(term.text(), /Error/, 'declining is an answer, not an error')
    assert.match(term.text(), /Log out bob\.test from 127\.0\.0\.1:\d+\?.*\bno$/m, 'the answer reads no')
    assert.doesNotMatch(term.text(), /\b(true|false)\b/)
    assert.ok(unchanged(), 'the account file was rewritten')
    assert.equal(await secretWorks('bob.test', secrets['bob.test']!), true)
    term.close()
  })

  it('Ctrl-C at the list exits 130 and changes nothing', async () => {
    const {start, unchanged, secrets} = setup('alice.test')
    const term = await start()
    await term.waitForText('carol.test', 30_000)
    term.sendKeys('Down')
    term.sendKeys('C-c')
    assert.equal(await term.waitForExit(30_000), 130, term.text())
    assert.match(term.text(), /Cancelled; nothing changed/)
    assert.doesNotMatch(term.text(), /Log out .* from/)
    assert.ok(unchanged(), 'the account file was rewritten')
    assert.equal(await secretWorks('bob.test', secrets['bob.test']!), true)
    term.close()
  })

  it('lists handle, DID and the active marker exactly as switch does', async () => {
    const {start} = setup('bob.test')
    const term = await start()
    const shown = await term.waitForText('carol.test', 30_000)
    assert.match(shown, /alice\.test \(did:plc:alice\)/)
    assert.match(shown, /bob\.test \(did:plc:bob, active\)/)
    assert.match(shown, /carol\.test \(did:plc:carol\)/)
    term.sendKeys('C-c')
    assert.equal(await term.waitForExit(30_000), 130, term.text())
    term.close()
  })

  it('Enter alone at the confirmation answers No: nothing changed, exit 1, no error banner', async () => {
    const {start, unchanged, secrets} = setup('bob.test')
    const term = await start()
    await pick(term, 1, 'bob.test')
    await term.waitForText('Log out bob.test from', 30_000)
    term.sendKeys('Enter')
    assert.equal(await term.waitForExit(30_000), 1, term.text())
    assert.match(term.text(), /^Nothing was changed\.$/m)
    assert.doesNotMatch(term.text(), /Error/)
    assert.ok(unchanged(), 'the account file was rewritten')
    assert.equal(await secretWorks('bob.test', secrets['bob.test']!), true)
    term.close()
  })

  it('without REGISTRY and accounts on several registries, asks which registry', async () => {
    const {start, unchanged} = setup('alice.test', {
      'https://buoy.cr': {
        active: 'dave.test',
        accounts: {'dave.test': {handle: 'dave.test', did: '', device_secret: 'atcr_device_dave'}},
      },
    })
    const term = await start([])
    const shown = await term.waitForText('buoy.cr', 30_000)
    assert.match(shown, /Which registry/)
    assert.match(shown, new RegExp(emulator.host.replaceAll('.', '\\.')))
    term.sendKeys('C-c')
    assert.equal(await term.waitForExit(30_000), 130, term.text())
    assert.ok(unchanged(), 'the account file was rewritten')
    term.close()
  })
})
