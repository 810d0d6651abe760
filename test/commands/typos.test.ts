/**
 * Typos and habits (issue 10): `stauts` → "Did you mean status?", `-v` is `--version`, gh's `auth login`
 * names `login`. Never a prompt, not even at a terminal. Spawns the built CLI (run `npm run build` first).
 */
import assert from 'node:assert/strict'
import {after, describe, it} from 'node:test'

import {CLI, makeSandbox} from '../support/cli.ts'
import {hasTmux, startInTerminal} from '../support/terminal.ts'
import {runInProcess} from '../support/in-process-cli.ts'

const sandbox = makeSandbox()
after(() => sandbox.cleanup())

describe('typos and habits (spawned)', {timeout: 60_000}, () => {
  it('stauts: "Did you mean status?" on one line, with the line to run, exit 2', async () => {
    const result = await runInProcess(['stauts', 'buoy.cr'], {env: sandbox.env})
    assert.equal(result.code, 2)
    assert.equal(result.stdout, '')
    assert.equal(
      result.stderr,
      'Error: "stauts" is not a docker-credential-atcr command. Did you mean status? Run: docker-credential-atcr status buoy.cr\n',
    )
  })

  it('stauts --json: the error as JSON, code command_not_found', async () => {
    const result = await runInProcess(['stauts', '--json'], {env: sandbox.env})
    assert.equal(result.code, 2)
    const output = JSON.parse(result.stdout)
    assert.equal(output.error.code, 'command_not_found')
    assert.match(output.error.message, /Did you mean status\?/)
  })

  it('-v prints exactly what version prints', async () => {
    const [short, command] = await Promise.all([
      runInProcess(['-v'], {env: sandbox.env}),
      runInProcess(['version'], {env: sandbox.env}),
    ])
    assert.equal(short.code, 0, short.stderr)
    assert.equal(short.stdout, command.stdout)
  })

  it('auth login (gh) names login, with its arguments', async () => {
    const result = await runInProcess(['auth', 'login', 'buoy.cr'], {env: sandbox.env})
    assert.equal(result.code, 2)
    assert.match(result.stderr, /^Error: .*docker-credential-atcr login buoy\.cr\n$/)
  })

  it('an unknown word with nothing close points at --help', async () => {
    const result = await runInProcess(['frobnicate'], {env: sandbox.env})
    assert.equal(result.code, 2)
    assert.equal(
      result.stderr,
      'Error: "frobnicate" is not a docker-credential-atcr command. See: docker-credential-atcr --help\n',
    )
  })

  it(
    'at a terminal: no prompt, the same line, at once',
    {skip: !hasTmux() && 'tmux is not installed'},
    async () => {
      const terminal = await startInTerminal({
        command: process.execPath,
        args: [CLI, 'stauts'],
        env: sandbox.env,
        cols: 200,
      })
      try {
        assert.equal(await terminal.waitForExit(), 2)
        const text = terminal.text()
        assert.match(text, /Did you mean status\? Run: docker-credential-atcr status/)
        assert.doesNotMatch(text, /\(Y\/n\)|\? Did you mean/)
      } finally {
        terminal.close()
      }
    },
  )
})
