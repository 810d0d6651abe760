import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const temporaryDirectories: string[] = []
after(() => {
  for (const directory of temporaryDirectories) rmSync(directory, {recursive: true, force: true})
})

const HANDLES = ['alice.example.com', 'bob.example.com', 'carol.example.com']

/** A fresh HOME/ATCR_CONFIG_DIR with `count` accounts on atcr.io (the first active) plus extra registries. */
function setup(count: number, extra: Record<string, unknown> = {}) {
  const home = mkdtempSync(path.join(tmpdir(), 'atcr-switch-'))
  temporaryDirectories.push(home)
  const configDir = path.join(home, 'atcr')
  const accounts = Object.fromEntries(
    HANDLES.slice(0, count).map((handle) => [
      handle,
      {handle, did: `did:plc:${handle.split('.')[0]}`, device_secret: `atcr_device_${handle}`},
    ]),
  )
  const registries = count === 0 ? {...extra} : {'https://atcr.io': {active: HANDLES[0], accounts}, ...extra}
  mkdirSync(configDir, {mode: 0o700})
  writeFileSync(path.join(configDir, 'device.json'), JSON.stringify({version: 2, registries}))
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    ATCR_CONFIG_DIR: configDir,
    DOCKER_CONFIG: path.join(home, 'docker'),
  }
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(root, 'bin/run.js'), ...args], {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    })
  const file = () => JSON.parse(readFileSync(path.join(configDir, 'device.json'), 'utf8'))
  return {run, file}
}

describe('switch (spawned, no terminal)', () => {
  it('with no accounts says how to log in', () => {
    const {run} = setup(0)
    const result = run('switch')
    assert.equal(result.status, 1)
    assert.match(result.stderr, /No accounts yet\. Log in first: docker-credential-atcr login/)
  })

  it('with one account says so and exits 0 without writing', () => {
    const {run, file} = setup(1)
    const before = file()
    const result = run('switch')
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stderr, /atcr\.io has only one account, alice\.example\.com: nothing to switch/)
    assert.deepEqual(file(), before)
  })

  it('with two accounts toggles, and back again', () => {
    const {run, file} = setup(2)
    let result = run('switch')
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stderr, /^Switched atcr\.io to bob\.example\.com$/m)
    assert.equal(file().registries['https://atcr.io'].active, 'bob.example.com')
    result = run('switch', 'atcr.io')
    assert.match(result.stderr, /^Switched atcr\.io to alice\.example\.com$/m)
    assert.equal(file().registries['https://atcr.io'].active, 'alice.example.com')
  })

  it('with three accounts and no terminal requires --account, naming it and the accounts', () => {
    const {run, file} = setup(3)
    const result = run('switch')
    assert.equal(result.status, 2)
    assert.match(result.stderr, /--account/)
    assert.match(result.stderr.replaceAll(/\s*›\s*/g, ' '), /carol\.example\.com/)
    assert.equal(file().registries['https://atcr.io'].active, 'alice.example.com')
  })

  it('--account by handle (any case) and by DID', () => {
    const {run, file} = setup(3)
    let result = run('switch', '--account', 'CAROL.example.com')
    assert.equal(result.status, 0, result.stderr)
    assert.equal(file().registries['https://atcr.io'].active, 'carol.example.com')
    result = run('switch', '-a', 'did:plc:bob')
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stderr, /Switched atcr\.io to bob\.example\.com/)
    assert.equal(file().registries['https://atcr.io'].active, 'bob.example.com')
  })

  it('an unknown --account fails naming the known accounts and changes nothing', () => {
    const {run, file} = setup(2)
    const result = run('switch', '--account', 'mallory.example.com')
    assert.equal(result.status, 1)
    const message = result.stderr.replaceAll(/\s*›\s*/g, ' ')
    assert.match(message, /No account "mallory\.example\.com" for atcr\.io/)
    assert.match(message, /alice\.example\.com/)
    assert.match(message, /bob\.example\.com/)
    assert.equal(file().registries['https://atcr.io'].active, 'alice.example.com')
  })

  it('--json gives {registry, active, previous, changed} and no secret', () => {
    const {run} = setup(2)
    let result = run('switch', '--json')
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), {
      registry: 'atcr.io',
      active: 'bob.example.com',
      previous: 'alice.example.com',
      changed: true,
    })
    assert.doesNotMatch(result.stdout, /atcr_device_/)
    result = run('switch', '--json', '-a', 'bob.example.com')
    assert.deepEqual(JSON.parse(result.stdout), {
      registry: 'atcr.io',
      active: 'bob.example.com',
      previous: 'bob.example.com',
      changed: false,
    })
  })

  it('--json with one account reports it unchanged', () => {
    const {run} = setup(1)
    const result = run('switch', '--json')
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), {
      registry: 'atcr.io',
      active: 'alice.example.com',
      previous: 'alice.example.com',
      changed: false,
    })
  })

  it('defaults to the only registry with accounts, else atcr.io, else asks for REGISTRY', () => {
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
    assert.match(only.run('switch').stderr, /Switched buoy\.cr to y\.example\.com/)

    const both = setup(2, buoy)
    assert.match(both.run('switch').stderr, /Switched atcr\.io to bob\.example\.com/)
    assert.match(both.run('switch', 'https://buoy.cr/').stderr, /Switched buoy\.cr to y\.example\.com/)

    const noAtcr = setup(0, {...buoy, 'http://localhost:5000': buoy['https://buoy.cr']})
    const result = noAtcr.run('switch')
    assert.equal(result.status, 2)
    const message = result.stderr.replaceAll(/\s*›\s*/g, ' ')
    assert.match(message, /buoy\.cr, localhost:5000/)
    assert.match(message, /REGISTRY/)
  })

  it('a registry without accounts says how to log in to it', () => {
    const {run} = setup(2)
    const result = run('switch', 'buoy.cr')
    assert.equal(result.status, 1)
    assert.match(
      result.stderr,
      /No accounts for buoy\.cr\. Log in first: docker-credential-atcr login\s+(›\s+)?buoy\.cr/,
    )
  })
})
