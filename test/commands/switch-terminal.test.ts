/** `switch` driven in a real terminal (tmux): the enquirer list, arrow keys and Enter. */
import assert from 'node:assert/strict'
import {after, describe, it} from 'node:test'

import {CLI, makeSandbox, REPO} from '../support/cli.ts'
import {hasTmux, startInTerminal, type TerminalSession} from '../support/terminal.ts'

const skip = hasTmux() ? false : 'tmux is not installed (apt-get install tmux)'
const cleanups: Array<() => void> = []
after(() => {
  for (const cleanup of cleanups) cleanup()
})

const HANDLES = ['alice.example.com', 'bob.example.com', 'carol.example.com']

function setup(count: number, activeHandle = HANDLES[0]) {
  const sandbox = makeSandbox()
  cleanups.push(sandbox.cleanup)
  const accounts = Object.fromEntries(
    HANDLES.slice(0, count).map((handle) => [
      handle,
      {handle, did: `did:plc:${handle.split('.')[0]}`, device_secret: `atcr_device_${handle}`},
    ]),
  )
  sandbox.writeAccounts({version: 2, registries: {'https://atcr.io': {active: activeHandle, accounts}}})
  // No CI variable: prompts are allowed only for a person at a terminal.
  const env: NodeJS.ProcessEnv = {...sandbox.env, TERM: 'xterm-256color'}
  delete env.CI
  const active = () =>
    (sandbox.readAccounts() as {registries: Record<string, {active: string}>}).registries['https://atcr.io']!
      .active
  const start = async (args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<TerminalSession> => {
    const session = await startInTerminal({
      command: process.execPath,
      args: [CLI, 'switch', ...args],
      env: {...env, ...extraEnv},
      cwd: REPO,
      cols: 100,
      rows: 20,
    })
    cleanups.push(session.close)
    return session
  }
  return {start, active}
}

describe('switch in a terminal', {skip}, () => {
  it('with three accounts lists them, the active one preselected; arrow keys and Enter pick the third', async () => {
    const {start, active} = setup(3, 'bob.example.com')
    const term = await start()
    const screen = await term.waitForText('carol.example.com', 30_000)
    assert.match(screen, /Which account should atcr\.io use\?/)
    assert.match(screen, /[❯▸>]\s*bob\.example\.com.*active/)
    term.sendKeys('Down')
    await term.waitForText(/[❯▸>]\s*carol\.example\.com/)
    term.sendKeys('Enter')
    assert.equal(await term.waitForExit(30_000), 0, term.text())
    assert.match(term.text(), /Switched atcr\.io to carol\.example\.com/)
    assert.equal(active(), 'carol.example.com')
    term.close()
  })

  // enquirer 2.4.1 used to die with ERR_USE_AFTER_CLOSE here under Node >= 24.2 (enquirer#483); prompter.ts guards it.
  it('Ctrl-C at the list changes nothing', async () => {
    const {start, active} = setup(3)
    const term = await start()
    await term.waitForText('carol.example.com', 30_000)
    term.sendKeys('Down')
    term.sendKeys('C-c')
    assert.equal(await term.waitForExit(30_000), 130, term.text())
    assert.match(term.text(), /Cancelled; nothing changed/)
    assert.equal(active(), 'alice.example.com')
    term.close()
  })

  it('at a terminal but with CI set, three accounts fail at once naming --account', async () => {
    const {start, active} = setup(3)
    const term = await start([], {CI: 'true'})
    assert.equal(await term.waitForExit(30_000), 2, term.text())
    assert.match(term.text(), /--account/)
    assert.doesNotMatch(term.text(), /Which account/)
    assert.equal(active(), 'alice.example.com')
    term.close()
  })

  it('with two accounts toggles without asking', async () => {
    const {start, active} = setup(2)
    const term = await start()
    assert.equal(await term.waitForExit(30_000), 0, term.text())
    assert.match(term.text(), /Switched atcr\.io to bob\.example\.com/)
    assert.doesNotMatch(term.text(), /Which account/)
    assert.equal(active(), 'bob.example.com')
    term.close()
  })
})
