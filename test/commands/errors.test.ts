/**
 * Errors for people (issue 10): one `Error: …` line on stderr, never wrapped at 80 columns, no ` ›`
 * margin, in the project's words rather than oclif's; under --json `{"error": {"code", "message"}}` on
 * stdout and nothing of oclif's internals. Spawns the built CLI (run `npm run build` first).
 */
import assert from 'node:assert/strict'
import {after, describe, it} from 'node:test'

import {describeError, oneLine} from '../../src/lib/errors/describe-error.ts'
import {jsonRequested, reportError} from '../../src/lib/errors/report-error.ts'
import {PromptCancelledError} from '../../src/lib/prompts/prompter.ts'
import {makeSandbox} from '../support/cli.ts'
import {runInProcess} from '../support/in-process-cli.ts'

const sandbox = makeSandbox()
after(() => sandbox.cleanup())
// oclif wraps at the width of stderr, 80 columns when it is not a terminal.
const env = {...sandbox.env, COLUMNS: '80'}

/** The stderr of a failed people command is exactly one line that starts with "Error: ". */
function singleErrorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line !== '')
  assert.equal(lines.length, 1, `expected one line on stderr, got: ${JSON.stringify(stderr)}`)
  assert.match(lines[0]!, /^Error: /)
  assert.doesNotMatch(lines[0]!, /›/)
  return lines[0]!
}

describe('errors for people (spawned)', {timeout: 60_000}, () => {
  it('a long message stays on one line that can be pasted back', async () => {
    const result = await runInProcess(
      ['status', 'not a host but a rather long sentence that goes on and on'],
      {
        env,
      },
    )
    assert.equal(result.code, 2)
    const line = singleErrorLine(result.stderr)
    assert.ok(line.length > 80, line)
    assert.match(line, /invalid registry server address: .*Example: atcr\.io$/)
    assert.equal(result.stdout, '')
  })

  const usage: Array<[string[], RegExp]> = [
    [
      ['login', '--account', 'alice.test'],
      /^Error: --account needs --with-token\. See: docker-credential-atcr login --help$/,
    ],
    [
      ['switch', '--bogus'],
      /^Error: unknown flag --bogus for switch\. See: docker-credential-atcr switch --help$/,
    ],
    [
      ['status', 'atcr.io', 'buoy.cr'],
      /^Error: unexpected argument "buoy\.cr" for status\. See: docker-credential-atcr status --help$/,
    ],
    [
      ['plugins', 'trust'],
      /^Error: plugins trust needs PLUGIN \(name of an installed or linked plugin\)\. See: docker-credential-atcr plugins trust --help$/,
    ],
    [['version', '--bogus'], /^Error: unknown flag --bogus for version\./],
  ]
  for (const [args, expected] of usage) {
    it(`\`${args.join(' ')}\`: the project's wording, exit 2, no usage dump`, async () => {
      const result = await runInProcess(args, {env})
      assert.equal(result.code, 2, result.stderr)
      assert.match(singleErrorLine(result.stderr), expected)
      assert.doesNotMatch(
        result.stderr,
        /The following error occurred|Nonexistent flag|Missing \d+ required|USAGE/,
      )
    })
  }

  for (const args of [
    ['login', '--account', 'alice.test', '--json'],
    ['status', 'ftp://atcr.io', '--json'],
    ['switch', '--bogus', '--json'],
    ['configure-docker', 'ftp://atcr.io', '--json'],
  ]) {
    it(`\`${args.join(' ')}\`: {"error": {"code", "message"}} on stdout, nothing else`, async () => {
      const result = await runInProcess(args, {env})
      assert.equal(result.code, 2, result.stderr)
      const output = JSON.parse(result.stdout)
      assert.deepEqual(Object.keys(output), ['error'])
      assert.deepEqual(Object.keys(output.error), ['code', 'message'])
      assert.equal(output.error.code, 'usage')
      assert.ok(output.error.message.length > 0)
      assert.doesNotMatch(result.stdout, /oclif|"parse"|pjson/)
      assert.equal(result.stderr, '')
    })
  }

  // Refusals from src/lib/accounts (AccountsError): no account to switch to or log out of.
  for (const args of [
    ['switch', '--json'],
    ['logout', '--json'],
  ]) {
    it(`\`${args.join(' ')}\` with no account: {"error": {"code", "message"}}, not oclif's error object`, async () => {
      const result = await runInProcess(args, {env})
      assert.equal(result.code, 1, result.stderr)
      const output = JSON.parse(result.stdout)
      assert.deepEqual(output, {
        error: {code: 'no_accounts', message: 'No accounts yet. Log in first: docker-credential-atcr login'},
      })
      assert.equal(result.stderr, '')
    })
  }

  it('an unusable account file: one line, code account_file under --json', async () => {
    const broken = makeSandbox()
    try {
      broken.writeAccounts('{"version": 2, "registries": ')
      const plain = await runInProcess(['status'], {env: {...broken.env, COLUMNS: '80'}})
      assert.equal(plain.code, 1)
      assert.match(singleErrorLine(plain.stderr), /^Error: Cannot use the account file .*device\.json/)
      const json = await runInProcess(['status', '--json'], {env: broken.env})
      assert.equal(json.code, 1)
      assert.equal(JSON.parse(json.stdout).error.code, 'account_file')
    } finally {
      broken.cleanup()
    }
  })
})

describe('describeError', () => {
  const context = {bin: 'docker-credential-atcr', command: 'status'}
  it('keeps a command error on one line, with its exit code and code', () => {
    const error = Object.assign(new Error('first line.\n  second line'), {oclif: {exit: 1}, code: 'busy'})
    assert.deepEqual(describeError(error, context), {
      code: 'busy',
      message: 'first line. second line',
      exit: 1,
    })
  })
  it('calls an unknown error unexpected, exit 1', () => {
    assert.deepEqual(describeError(new TypeError('boom'), context), {
      code: 'unexpected',
      message: 'boom',
      exit: 1,
    })
    assert.equal(describeError('text', context).message, 'text')
  })
  it('strips colour', () => assert.equal(oneLine('\u001B[31mred\u001B[39m\nline'), 'red line'))
})

describe('reportError', () => {
  const sink = () => {
    let text = ''
    return {
      write: (chunk: string) => (text += chunk),
      get text() {
        return text
      },
    }
  }
  it('a cancelled question: "Cancelled; nothing changed." without "Error:", exit 130 (issue 18)', () => {
    const stdout = sink()
    const stderr = sink()
    const code = reportError(new PromptCancelledError(), {bin: 'b', json: false, env: {}, stdout, stderr})
    assert.equal(code, 130)
    assert.equal(stderr.text, 'Cancelled; nothing changed.\n')
    assert.equal(stdout.text, '')
  })

  it('redacts a device secret, in the line and in the ATCR_DEBUG stack (issue 17)', () => {
    const stdout = sink()
    const stderr = sink()
    reportError(new Error('unexpected argument "atcr_device_Zq9wLk"'), {
      bin: 'b',
      json: false,
      env: {ATCR_DEBUG: '1'},
      stdout,
      stderr,
    })
    assert.doesNotMatch(stderr.text, /Zq9wLk/)
    assert.match(
      stderr.text,
      /^Error: unexpected argument "atcr_device_…" A device secret is never an argument: pipe the secret on stdin\.\n/,
    )
  })

  it('writes one line on stderr, or JSON on stdout, and adds the stack only with ATCR_DEBUG', () => {
    const error = Object.assign(new Error('nope'), {oclif: {exit: 3}})
    for (const debug of [undefined, '1']) {
      const stdout = sink()
      const stderr = sink()
      const code = reportError(error, {bin: 'b', json: false, env: {ATCR_DEBUG: debug}, stdout, stderr})
      assert.equal(code, 3)
      assert.equal(stdout.text, '')
      assert.equal(stderr.text.startsWith('Error: nope\n'), true)
      assert.equal(stderr.text.includes('    at '), debug === '1')
    }
    const stdout = sink()
    const stderr = sink()
    reportError(error, {bin: 'b', json: true, env: {}, stdout, stderr})
    assert.deepEqual(JSON.parse(stdout.text), {error: {code: 'failed', message: 'nope'}})
    assert.equal(stderr.text, '')
  })
  it('prints nothing for an exit request (this.exit)', () => {
    const stdout = sink()
    const stderr = sink()
    const exit = Object.assign(new Error('EEXIT: 4'), {code: 'EEXIT', oclif: {exit: 4}})
    assert.equal(reportError(exit, {bin: 'b', json: false, env: {}, stdout, stderr}), 4)
    assert.equal(stdout.text + stderr.text, '')
  })
})

describe('jsonRequested', () => {
  it('is --json before any --', () => {
    assert.equal(jsonRequested(['status', '--json']), true)
    assert.equal(jsonRequested(['plugins', 'install', '--', '--json']), false)
    assert.equal(jsonRequested(['status']), false)
  })
})
