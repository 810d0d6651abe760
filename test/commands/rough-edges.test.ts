/**
 * Issue 18's rough edges and issue 17's argv redaction, each as a person hits it (in-process runs of the
 * built CLI: `npm run build` first).
 */
import assert from 'node:assert/strict'
import {after, describe, it} from 'node:test'

import {makeSandbox, type Sandbox} from '../support/cli.ts'
import {runInProcess} from '../support/in-process-cli.ts'

const sandboxes: Sandbox[] = []
after(() => {
  for (const sandbox of sandboxes) sandbox.cleanup()
})

function account(handle: string) {
  return {
    handle,
    did: `did:plc:${handle.split('.')[0]}`,
    device_secret: `atcr_device_${handle.split('.')[0]}`,
  }
}

/** Two accounts on atcr.io, one on buoy.cr. */
function setup() {
  const sandbox = makeSandbox()
  sandboxes.push(sandbox)
  sandbox.writeAccounts({
    version: 2,
    registries: {
      'https://atcr.io': {
        active: 'alice.example.com',
        accounts: {
          'alice.example.com': account('alice.example.com'),
          'bob.example.com': account('bob.example.com'),
        },
      },
      'https://buoy.cr': {active: 'x.example.com', accounts: {'x.example.com': account('x.example.com')}},
    },
  })
  return (...args: string[]) => runInProcess(args, {env: sandbox.env})
}

describe('help and typos', () => {
  for (const command of [
    'login',
    'logout',
    'status',
    'switch',
    'configure-docker',
    'version',
    'plugins trust',
  ]) {
    it(`${command} -h prints the help, like --help`, async () => {
      const run = setup()
      const [short, long] = [
        await run(...command.split(' '), '-h'),
        await run(...command.split(' '), '--help'),
      ]
      assert.equal(short.code, 0, short.stderr)
      assert.equal(short.stdout, long.stdout)
      assert.match(short.stdout, /USAGE/)
    })
  }

  for (const [args, suggestion] of [
    [['login', '--no-brwoser'], '--no-browser'],
    [['configure-docker', '--dryrun'], '--dry-run'],
    [['status', '--ofline'], '--offline'],
  ] as const) {
    it(`${args.join(' ')}: "did you mean ${suggestion}?" on the one error line`, async () => {
      const run = setup()
      const result = await run(...args)
      assert.equal(result.code, 2)
      assert.equal(result.stdout, '')
      const lines = result.stderr.split('\n').filter(Boolean)
      assert.equal(lines.length, 1, result.stderr)
      assert.match(
        lines[0]!,
        new RegExp(`^Error: unknown flag ${args[1]} for ${args[0]}\\. Did you mean ${suggestion}\\?`),
      )
    })
  }

  it('an unknown flag with nothing close gets no guess', async () => {
    const result = await setup()('status', '--frobnicate')
    assert.equal(result.code, 2)
    assert.doesNotMatch(result.stderr, /Did you mean/)
  })

  it('switch atcr.oi names the saved registries', async () => {
    const result = await setup()('switch', 'atcr.oi')
    assert.equal(result.code, 1)
    assert.equal(
      result.stderr,
      'Error: No accounts for atcr.oi; saved: atcr.io, buoy.cr. Run: docker-credential-atcr switch atcr.io\n',
    )
  })
})

describe('--json errors', () => {
  it('status --json --offline nosuch.example: exit 1 and an {"error": {code, message}} object', async () => {
    const result = await setup()('status', '--json', '--offline', 'nosuch.example')
    assert.equal(result.code, 1)
    const output = JSON.parse(result.stdout)
    assert.deepEqual(Object.keys(output), ['error'])
    assert.equal(output.error.code, 'no_accounts')
    assert.match(output.error.message, /No accounts for nosuch\.example/)
  })
})

describe('secrets typed as arguments are never echoed (issue 17)', () => {
  const SECRET = 'atcr_device_Zq9wLkEx3vTt7pQ'
  const cases = [
    ['status', SECRET],
    ['status', '--json', SECRET],
    ['login', SECRET],
    ['login', 'atcr.io', '--with-token', '-a', 'bot', SECRET],
    ['login', 'atcr.io', '--with-token', '--account', SECRET],
    ['login', 'atcr.io', '--with-token', `--account=${SECRET}`],
    ['logout', SECRET],
    ['logout', 'atcr.io', '--account', SECRET],
    ['switch', SECRET],
    ['switch', 'atcr.io', '--account', SECRET],
    ['configure-docker', SECRET],
    ['version', SECRET],
    ['plugins', 'trust', SECRET],
    ['stauts', SECRET],
    [SECRET],
  ]
  for (const args of cases) {
    it(`${args.join(' ').replaceAll(SECRET, 'atcr_device_SECRET')}: no output holds the secret`, async () => {
      const result = await setup()(...args)
      assert.notEqual(result.code, 0)
      assert.ok(
        !`${result.stdout}${result.stderr}`.includes('Zq9wLkEx3vTt7pQ'),
        `${result.stdout}${result.stderr}`,
      )
      assert.match(`${result.stdout}${result.stderr}`, /pipe the secret on stdin/)
    })
  }
})

describe('words', () => {
  it('version extra --json: code usage', async () => {
    const result = await setup()('version', 'extra', '--json')
    assert.equal(result.code, 2)
    assert.equal(JSON.parse(result.stdout).error.code, 'usage')
  })

  it('version with an extra word: "unexpected argument", not "not a command"', async () => {
    const result = await setup()('version', 'extra')
    assert.equal(result.code, 2)
    assert.equal(
      result.stderr,
      'Error: unexpected argument "extra" for version. See: docker-credential-atcr version --help\n',
    )
  })

  it('configure-docker --help states the Node.js floor as package.json does: 22.21+ or 24.5+', async () => {
    const result = await setup()('configure-docker', '--help')
    assert.equal(result.code, 0)
    assert.match(result.stdout.replaceAll(/\s+/g, ' '), /with Node\.js 22\.21\+ or 24\.5\+\./)
  })
})

describe('switch without a terminal: what it does is what its help says', () => {
  it('the help says two accounts toggle without a terminal, more need --account', async () => {
    const result = await setup()('switch', '--help')
    assert.match(
      result.stdout.replaceAll(/\s+/g, ' '),
      /With two accounts it switches to the other one, with or without a terminal \(so a script can toggle\)\. With more, it asks at a terminal; without one it needs --account\./,
    )
  })
})
