import assert from 'node:assert/strict'
import {after, describe, it} from 'node:test'

import {makeSandbox, type Sandbox} from '../support/cli.ts'
import {runInProcess} from '../support/in-process-cli.ts'

const sandboxes: Sandbox[] = []
after(() => {
  for (const sandbox of sandboxes) sandbox.cleanup()
})

const HANDLES = ['alice.example.com', 'bob.example.com', 'carol.example.com']

/** A fresh sandbox with `count` accounts on atcr.io (the first active) plus `extra` registries. */
function setup(count: number, extra: Record<string, unknown> = {}) {
  const sandbox = makeSandbox()
  sandboxes.push(sandbox)
  const accounts = Object.fromEntries(
    HANDLES.slice(0, count).map((handle) => [
      handle,
      {handle, did: `did:plc:${handle.split('.')[0]}`, device_secret: `atcr_device_${handle}`},
    ]),
  )
  const registries = count === 0 ? {...extra} : {'https://atcr.io': {active: HANDLES[0], accounts}, ...extra}
  sandbox.writeAccounts({version: 2, registries})
  const run = (...args: string[]) => runInProcess(args, {env: sandbox.env})
  const file = () => sandbox.readAccounts() as {registries: Record<string, {active?: string}>}
  return {run, file}
}

describe('switch (spawned, no terminal)', () => {
  it('with no accounts says how to log in', async () => {
    const {run} = setup(0)
    const result = await run('switch')
    assert.equal(result.code, 1)
    assert.match(result.stderr, /No accounts yet\. Log in first: docker-credential-atcr login/)
  })

  it('with one account says so and exits 0 without writing', async () => {
    const {run, file} = setup(1)
    const before = file()
    const result = await run('switch')
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /atcr\.io has only one account, alice\.example\.com: nothing to switch/)
    assert.deepEqual(file(), before)
  })

  it('with two accounts toggles, and back again', async () => {
    const {run, file} = setup(2)
    let result = await run('switch')
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /^Switched atcr\.io to bob\.example\.com$/m)
    assert.equal(file().registries['https://atcr.io']?.active, 'bob.example.com')
    result = await run('switch', 'atcr.io')
    assert.match(result.stderr, /^Switched atcr\.io to alice\.example\.com$/m)
    assert.equal(file().registries['https://atcr.io']?.active, 'alice.example.com')
  })

  it('with three accounts and no terminal requires --account, naming it and the accounts', async () => {
    const {run, file} = setup(3)
    const result = await run('switch')
    assert.equal(result.code, 2)
    assert.match(result.stderr, /--account/)
    assert.match(result.stderr.replaceAll(/\s*›\s*/g, ' '), /carol\.example\.com/)
    assert.equal(file().registries['https://atcr.io']?.active, 'alice.example.com')
  })

  it('--account by handle (any case) and by DID', async () => {
    const {run, file} = setup(3)
    let result = await run('switch', '--account', 'CAROL.example.com')
    assert.equal(result.code, 0, result.stderr)
    assert.equal(file().registries['https://atcr.io']?.active, 'carol.example.com')
    result = await run('switch', '-a', 'did:plc:bob')
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /Switched atcr\.io to bob\.example\.com/)
    assert.equal(file().registries['https://atcr.io']?.active, 'bob.example.com')
  })

  it('an unknown --account fails naming the known accounts and changes nothing', async () => {
    const {run, file} = setup(2)
    const result = await run('switch', '--account', 'mallory.example.com')
    assert.equal(result.code, 1)
    const message = result.stderr.replaceAll(/\s*›\s*/g, ' ')
    assert.match(message, /No account "mallory\.example\.com" for atcr\.io/)
    assert.match(message, /alice\.example\.com/)
    assert.match(message, /bob\.example\.com/)
    assert.equal(file().registries['https://atcr.io']?.active, 'alice.example.com')
  })

  it('--json gives {registry, active, previous, changed} and no secret', async () => {
    const {run} = setup(2)
    let result = await run('switch', '--json')
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), {
      registry: 'atcr.io',
      active: 'bob.example.com',
      previous: 'alice.example.com',
      changed: true,
    })
    assert.doesNotMatch(result.stdout, /atcr_device_/)
    result = await run('switch', '--json', '-a', 'bob.example.com')
    assert.deepEqual(JSON.parse(result.stdout), {
      registry: 'atcr.io',
      active: 'bob.example.com',
      previous: 'bob.example.com',
      changed: false,
    })
  })

  it('--json with one account reports it unchanged', async () => {
    const {run} = setup(1)
    const result = await run('switch', '--json')
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), {
      registry: 'atcr.io',
      active: 'alice.example.com',
      previous: 'alice.example.com',
      changed: false,
    })
  })

  it('defaults to the only registry with accounts, else atcr.io, else asks for REGISTRY', async () => {
    const buoy = {
      'https://buoy.cr': {
        active: 'x.example.com',
        accounts: {
          'x.example.com': {handle: 'x.example.com', did: '', device_secret: 'atcr_device_x'},
          'y.example.com': {handle: 'y.example.com', did: '', device_secret: 'atcr_device_y'},
        },
      },
    }
    const only = setup(0, buoy)
    assert.match((await only.run('switch')).stderr, /Switched buoy\.cr to y\.example\.com/)

    const both = setup(2, buoy)
    assert.match((await both.run('switch')).stderr, /Switched atcr\.io to bob\.example\.com/)
    assert.match(
      (await both.run('switch', 'https://buoy.cr/')).stderr,
      /Switched buoy\.cr to y\.example\.com/,
    )

    const noAtcr = setup(0, {...buoy, 'http://localhost:5000': buoy['https://buoy.cr']})
    const result = await noAtcr.run('switch')
    assert.equal(result.code, 2)
    const message = result.stderr.replaceAll(/\s*›\s*/g, ' ')
    assert.match(message, /buoy\.cr, localhost:5000/)
    assert.match(message, /REGISTRY/)
  })

  it('a registry without accounts says how to log in to it', async () => {
    const {run} = setup(2)
    const result = await run('switch', 'buoy.cr')
    assert.equal(result.code, 1)
    assert.match(
      result.stderr,
      /^Error: No accounts for buoy\.cr; saved: atcr\.io\. Log in first: docker-credential-atcr login buoy\.cr\n$/,
    )
  })
})
