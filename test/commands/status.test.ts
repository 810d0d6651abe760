/** `status` spawned as a real process against the AppView emulator (run `npm run build` first). */
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {afterEach, beforeEach, describe, it} from 'node:test'

import {makeSandbox, type Sandbox, useEmulator} from '../appview/cli-harness.ts'
import {CLI, runVerbUnderClient} from '../support/cli.ts'
import {runInProcess} from '../support/in-process-cli.ts'

describe('status', {timeout: 60_000}, () => {
  let sandbox: Sandbox
  let secrets: string[]
  const emulator = useEmulator()
  beforeEach(() => {
    sandbox = makeSandbox()
    secrets = [
      emulator.addAccount({handle: 'alice.test', did: 'did:plc:alice'}),
      emulator.addAccount({handle: 'bob.test', did: 'did:plc:bob'}),
    ]
    sandbox.writeAccounts({
      version: 2,
      registries: {
        [emulator.url]: {
          active: 'alice.test',
          accounts: {
            'alice.test': {handle: 'alice.test', did: 'did:plc:alice', device_secret: secrets[0]},
            'bob.test': {handle: 'bob.test', did: '', device_secret: secrets[1]},
          },
        },
        'http://127.0.0.1:1': {
          accounts: {'carol.test': {handle: 'carol.test', did: '', device_secret: 'atcr_device_c'}},
        },
      },
    })
  })
  afterEach(() => sandbox.cleanup())

  it('checks every account and prints the documented --json shape, with no secret', async () => {
    emulator.expireSession('bob.test')
    const result = await runInProcess(['status', '--json'], {env: sandbox.env})
    emulator.restoreSession('bob.test')
    assert.equal(result.code, 1, 'an expired session needs a new login')
    for (const secret of secrets)
      assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret))
    const report = JSON.parse(result.stdout)
    assert.deepEqual(report, {
      registries: [
        {
          registry: '127.0.0.1:1',
          url: 'http://127.0.0.1:1',
          active: null,
          accounts: [
            {
              handle: 'carol.test',
              did: '',
              active: false,
              storage: 'file',
              state: 'unreachable',
              detail: 'connection refused',
            },
          ],
        },
        {
          registry: emulator.host,
          url: emulator.url,
          active: 'alice.test',
          accounts: [
            {handle: 'alice.test', did: 'did:plc:alice', active: true, storage: 'file', state: 'valid'},
            {
              handle: 'bob.test',
              did: '',
              active: false,
              storage: 'file',
              state: 'session_expired',
              loginUrl: `${emulator.url}/auth/oauth/login?handle=bob.test`,
            },
          ],
        },
      ],
      needsLogin: true,
    })
  })

  it('prints one line per account on stdout, the active one marked, and exits 0 when none needs a login', async () => {
    const result = await runInProcess(['status', emulator.host], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, '', 'the table is the result: stdout, so `status 2>/dev/null` shows it')
    const lines = result.stdout.trimEnd().split('\n')
    assert.deepEqual(lines, [
      emulator.host,
      '  ✓ alice.test (did:plc:alice) [active]: valid',
      '  ✓ bob.test (did:plc:bob): valid',
    ])
  })

  it('keeps a DID the check revealed, so get then matches image references that name it', async () => {
    const before = await runVerbUnderClient(
      ['skopeo', 'copy', 'docker-archive:/tmp/x.tar', `docker://${emulator.host}/did:plc:bob/app:1`],
      'get',
      {input: emulator.host, env: sandbox.env},
    )
    assert.equal(JSON.parse(before.stdout).Username, 'alice.test', 'no DID saved yet: the active account')

    const result = await runInProcess(['status', '--json'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    const saved = sandbox.readAccounts().registries
    assert.equal(saved[emulator.url]!.accounts['bob.test']!.did, 'did:plc:bob')
    assert.equal(saved['http://127.0.0.1:1']!.accounts['carol.test']!.did, '', 'unreachable: nothing learned')
    assert.equal(saved[emulator.url]!.accounts['bob.test']!.device_secret, secrets[1])

    const after = await runVerbUnderClient(
      ['skopeo', 'copy', 'docker-archive:/tmp/x.tar', `docker://${emulator.host}/did:plc:bob/app:1`],
      'get',
      {input: emulator.host, env: sandbox.env},
    )
    assert.equal(after.code, 0, after.stdout)
    assert.equal(JSON.parse(after.stdout).Username, 'bob.test')
  })

  it('names the fix for a revoked secret', async () => {
    emulator.revoke(secrets[1]!)
    const result = await runInProcess(['status', emulator.host], {env: sandbox.env})
    assert.equal(result.code, 1)
    assert.match(
      result.stdout,
      /✗ bob\.test: secret not accepted \(revoked\?\): run docker-credential-atcr login 127\.0\.0\.1:\d+/,
    )
  })

  it('--offline makes no request', async () => {
    const result = await runInProcess(['status', '--offline', '--json'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(emulator.requests.length, 0)
    const states = JSON.parse(result.stdout).registries.flatMap((r: {accounts: {state: string}[]}) =>
      r.accounts.map((a) => a.state),
    )
    assert.deepEqual(states, ['unchecked', 'unchecked', 'unchecked'])
  })

  it('calls an account it cannot check "unreachable", the word --json and the README use', async () => {
    const result = await runInProcess(['status', '127.0.0.1:1'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, '127.0.0.1:1\n  ? carol.test: unreachable (connection refused)\n')
  })

  it('notes a registry with several accounts and none active (the case get refuses)', async () => {
    sandbox.writeAccounts({
      version: 2,
      registries: {
        'https://buoy.cr': {
          accounts: {
            'alice.test': {handle: 'alice.test', did: '', device_secret: 'atcr_device_a'},
            'bob.test': {handle: 'bob.test', did: '', device_secret: 'atcr_device_b'},
          },
        },
      },
    })
    const result = await runInProcess(['status', '--offline'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(result.stdout.trimEnd().split('\n'), [
      'buoy.cr',
      '  ! no active account: a pull or push that names none of these accounts fails. Choose one: docker-credential-atcr switch buoy.cr',
      '  - alice.test: not checked (--offline)',
      '  - bob.test: not checked (--offline)',
    ])
  })

  it('with no accounts for the named registry: exits 1 and says how to log in (as gh auth status)', async () => {
    const result = await runInProcess(['status', 'buoy.cr'], {env: sandbox.env})
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '')
    assert.equal(result.stderr, 'Error: No accounts for buoy.cr. Run: docker-credential-atcr login buoy.cr\n')
  })

  it('with no accounts, --json: the error object only, exit 1', async () => {
    const result = await runInProcess(['status', 'buoy.cr', '--json'], {env: sandbox.env})
    assert.equal(result.code, 1)
    assert.deepEqual(JSON.parse(result.stdout), {
      error: {
        code: 'no_accounts',
        message: 'No accounts for buoy.cr. Run: docker-credential-atcr login buoy.cr',
      },
    })
    assert.equal(result.stderr, '')
  })

  it('with no account file at all: exit 1, "No accounts yet"', async () => {
    const empty = makeSandbox()
    try {
      const result = await runInProcess(['status', '--offline'], {env: empty.env})
      assert.equal(result.code, 1)
      assert.match(result.stderr, /^Error: No accounts yet\. Run: docker-credential-atcr login\n$/)
    } finally {
      empty.cleanup()
    }
  })

  const terminal = {skip: !hasScript() && 'script(1) is not installed'}
  const GREEN_TICK = '\u001B[32m✓\u001B[39m'
  const RED_CROSS = '\u001B[31m✗\u001B[39m'
  const YELLOW_QUESTION = '\u001B[33m?\u001B[39m'

  it('at a terminal: ✓ green, ✗ red and ? yellow', terminal, async () => {
    emulator.revoke(secrets[1]!)
    const env: NodeJS.ProcessEnv = {...sandbox.env, TERM: 'xterm-256color'}
    delete env.NO_COLOR
    const result = await runInPseudoTerminal(['status'], env)
    assert.equal(result.code, 1, result.output)
    assert.ok(
      result.output.includes(`${GREEN_TICK} alice.test (did:plc:alice) [active]: valid`),
      result.output,
    )
    assert.ok(result.output.includes(`${RED_CROSS} bob.test: secret not accepted`), result.output)
    assert.ok(result.output.includes(`${YELLOW_QUESTION} carol.test: unreachable`), result.output)
  })

  it('no colour with NO_COLOR set, nor when stdout is not a terminal', terminal, async () => {
    const env: NodeJS.ProcessEnv = {...sandbox.env, TERM: 'xterm-256color', NO_COLOR: '1'}
    const shown = await runInPseudoTerminal(['status'], env)
    assert.ok(shown.output.includes('✓ alice.test'), shown.output)
    assert.ok(!shown.output.includes('\u001B[3'), 'no colour escape')
    delete env.NO_COLOR
    const piped = await runInProcess(['status'], {env})
    assert.ok(piped.stdout.includes('✓ alice.test'), piped.stdout)
    assert.ok(!piped.stdout.includes('\u001B'), 'no escape at all')
  })
})

function hasScript(): boolean {
  return spawnSync('script', ['--version']).status === 0
}

/**
 * Run the CLI with a pseudo-terminal as stdin, stdout and stderr (util-linux script(1)); the raw bytes
 * it showed. Asynchronous: the AppView emulator answers from this process.
 */
function runInPseudoTerminal(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{code: number | null; output: string}> {
  const command = [process.execPath, CLI, ...args]
    .map((word) => `'${word.replaceAll("'", `'\\''`)}'`)
    .join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
      env: {...env, SHELL: '/bin/sh'},
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, output: output.replaceAll('\r\n', '\n')}))
    child.stdin.end()
  })
}
