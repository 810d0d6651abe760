/**
 * `login` driven in a real terminal (tmux) against the AppView emulator: the code and URL, the spinner
 * while polling, the replace question answered with the keyboard, and Ctrl-C while waiting.
 * Run `npm run build` first.
 */
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {after, describe, it} from 'node:test'
import {setTimeout as delay} from 'node:timers/promises'

import {makeSandbox, type Sandbox, useEmulator} from '../appview/cli-harness.ts'
import {CLI, REPO} from '../support/cli.ts'
import {hasTmux, startInTerminal, type TerminalSession} from '../support/terminal.ts'

const skip = hasTmux() ? false : 'tmux is not installed (apt-get install tmux)'
const alice = {handle: 'alice.test', did: 'did:plc:alice'}
const CODE = /one-time code: ([A-Z0-9]{4}-[A-Z0-9]{4})/

describe('login in a terminal', {skip, timeout: 180_000}, () => {
  const emulator = useEmulator({interval: 0.2})
  const cleanups: Array<() => void> = []
  after(() => {
    for (const cleanup of cleanups) cleanup()
  })

  function setup() {
    const sandbox: Sandbox = makeSandbox()
    cleanups.push(sandbox.cleanup)
    // No CI variable (the harness sets one): the spinner and the prompts are for a person at a terminal.
    const env: NodeJS.ProcessEnv = {...sandbox.env, TERM: 'xterm-256color'}
    delete env.CI
    const start = async (args: string[] = []): Promise<TerminalSession> => {
      const session = await startInTerminal({
        command: process.execPath,
        args: [CLI, 'login', emulator.host, '--no-browser', ...args],
        env,
        cwd: REPO,
        cols: 120,
        rows: 30,
      })
      cleanups.push(session.close)
      return session
    }
    const secretOf = (handle: string) =>
      sandbox.readAccounts().registries[emulator.url]?.accounts[handle]?.device_secret
    return {sandbox, start, secretOf}
  }

  /** A saved login of alice, with a secret the emulator accepts. */
  function saveAlice(sandbox: Sandbox): string {
    const secret = emulator.addAccount(alice)
    sandbox.writeAccounts({
      version: 2,
      registries: {
        [emulator.url]: {active: alice.handle, accounts: {[alice.handle]: {...alice, device_secret: secret}}},
      },
    })
    return secret
  }

  const secretWorks = async (secret: string) =>
    (
      await fetch(`${emulator.url}/auth/token?service=x`, {
        headers: {authorization: `Basic ${Buffer.from(`${alice.handle}:${secret}`).toString('base64')}`},
      })
    ).status === 200

  it('shows the code and URL, spins while polling, and logs in once approved', async () => {
    const {start, secretOf} = setup()
    const term = await start()
    const shown = await term.waitForText(/Waiting for approval/, 30_000)
    const code = CODE.exec(shown)?.[1]
    assert.ok(code, shown)
    assert.match(shown, new RegExp(`open ${emulator.url}/device in a browser`))
    // The spinner animates on the same line while the CLI polls: captures show different frames after
    // "Waiting for approval... " (the line may first show without one).
    const frames = new Set<string>()
    const lines: string[] = []
    for (let i = 0; i < 60 && frames.size < 2; i++) {
      for (const line of term.screen().split('\n')) {
        if (!line.includes('Waiting for approval')) continue
        lines.push(line.trim())
        const frame = /^Waiting for approval\.\.\. (\S)$/.exec(line.trim())?.[1]
        if (frame) frames.add(frame)
      }
      await delay(100)
    }
    assert.ok(frames.size >= 2, `the spinner did not move: ${lines.join(' | ')}`)
    assert.deepEqual(emulator.pendingCodes().includes(code), true)

    emulator.approve(code, alice)
    assert.equal(await term.waitForExit(30_000), 0, term.text())
    const text = term.text()
    assert.match(text, /Waiting for approval\.*\s*approved/)
    assert.match(text, new RegExp(`Logged in to ${emulator.host.replaceAll('.', '\\.')} as alice\\.test`))
    assert.match(secretOf('alice.test') ?? '', /^atcr_device_/)
    term.close()
  })

  it('re-login of a saved account asks to replace it; No keeps the saved secret', async () => {
    const {sandbox, start, secretOf} = setup()
    const saved = saveAlice(sandbox)
    const original = readFileSync(sandbox.accountFile, 'utf8')
    emulator.approveNext(alice)
    const term = await start()
    const shown = await term.waitForText('Replace its saved login?', 30_000)
    assert.match(shown, /alice\.test is already logged in to 127\.0\.0\.1:\d+\. Replace its saved login\?/)
    term.typeText('n')
    term.sendKeys('Enter')
    assert.equal(await term.waitForExit(30_000), 1, term.text())
    assert.match(term.text(), /Kept the saved login of alice\.test on 127\.0\.0\.1:\d+; nothing was changed/)
    assert.equal(secretOf('alice.test'), saved)
    assert.equal(readFileSync(sandbox.accountFile, 'utf8'), original)
    assert.equal(await secretWorks(saved), true)
    term.close()
  })

  it('Ctrl-C at the replace question exits 130 and keeps the saved secret', async () => {
    const {sandbox, start, secretOf} = setup()
    const saved = saveAlice(sandbox)
    const original = readFileSync(sandbox.accountFile, 'utf8')
    emulator.approveNext(alice)
    const term = await start()
    await term.waitForText('Replace its saved login?', 30_000)
    term.sendKeys('C-c')
    assert.equal(await term.waitForExit(30_000), 130, term.text())
    assert.equal(secretOf('alice.test'), saved)
    assert.equal(readFileSync(sandbox.accountFile, 'utf8'), original)
    assert.equal(await secretWorks(saved), true)
    term.close()
  })

  it('re-login of a saved account, answered Yes, replaces the secret and retires the old one', async () => {
    const {sandbox, start, secretOf} = setup()
    const saved = saveAlice(sandbox)
    emulator.approveNext(alice)
    const term = await start()
    await term.waitForText('Replace its saved login?', 30_000)
    term.typeText('y')
    term.sendKeys('Enter')
    assert.equal(await term.waitForExit(30_000), 0, term.text())
    assert.match(term.text(), /Logged in to 127\.0\.0\.1:\d+ as alice\.test/)
    const replaced = secretOf('alice.test')
    assert.match(replaced ?? '', /^atcr_device_/)
    assert.notEqual(replaced, saved)
    assert.equal(await secretWorks(replaced!), true)
    assert.equal(await secretWorks(saved), false)
    term.close()
  })

  it('Ctrl-C while waiting for approval exits 130, saves nothing and leaves no lock or temp file', async () => {
    const {sandbox, start} = setup()
    // Another account is already saved, so the config directory exists and can be checked for leftovers.
    const bob = {
      handle: 'bob.test',
      did: 'did:plc:bob',
      device_secret: emulator.addAccount({handle: 'bob.test', did: 'did:plc:bob'}),
    }
    sandbox.writeAccounts({
      version: 2,
      registries: {[emulator.url]: {active: bob.handle, accounts: {[bob.handle]: bob}}},
    })
    const original = readFileSync(sandbox.accountFile, 'utf8')
    const term = await start()
    const shown = await term.waitForText(/Waiting for approval/, 30_000)
    const code = CODE.exec(shown)?.[1]
    assert.ok(code, shown)
    term.sendKeys('C-c')
    assert.equal(await term.waitForExit(30_000), 130, term.text())
    assert.match(term.text(), /Login cancelled; nothing was saved/)
    // Approving afterwards changes nothing: nobody is polling any more.
    emulator.approve(code, alice)
    await delay(500)
    assert.equal(readFileSync(sandbox.accountFile, 'utf8'), original)
    assert.deepEqual(readdirSync(sandbox.configDir), [path.basename(sandbox.accountFile)])
    term.close()
  })

  it('Enter alone at the replace question answers No: the saved login is kept, exit 1, no error banner', async () => {
    const {sandbox, start, secretOf} = setup()
    const saved = saveAlice(sandbox)
    const original = readFileSync(sandbox.accountFile, 'utf8')
    emulator.approveNext(alice)
    const term = await start()
    await term.waitForText('Replace its saved login?', 30_000)
    term.sendKeys('Enter')
    assert.equal(await term.waitForExit(30_000), 1, term.text())
    assert.match(term.text(), /Replace its saved login\?.*\bno$/m, 'the answer reads no')
    assert.match(term.text(), /Kept the saved login of alice\.test on 127\.0\.0\.1:\d+; nothing was changed/)
    assert.doesNotMatch(term.text(), /Error/)
    assert.equal(secretOf('alice.test'), saved)
    assert.equal(readFileSync(sandbox.accountFile, 'utf8'), original)
    assert.equal(await secretWorks(saved), true)
    term.close()
  })
})
