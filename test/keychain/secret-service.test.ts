/**
 * The secret store against a real Secret Service (gnome-keyring-daemon on a private session bus:
 * secret-service-rig.ts), each operation in a process of its own (keychain-cli.ts), as `get` will run
 * it: set, get, delete; a secret that outlives the daemon; a locked keyring whose prompt cannot show,
 * and one whose prompt nobody answers; a bus with no Secret Service; no D-Bus at all; a bus that never
 * answers. Skips, with one line naming the install command, where the packages are missing.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'

import {KEYCHAIN_GET_BUDGET_MS, keychainLocation} from '../../src/lib/secret-store/secret-store.ts'
import {SecretServiceRig, secretServiceUnavailable} from './secret-service-rig.ts'

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), 'keychain-cli.ts')
const ALICE = keychainLocation('https://atcr.io', 'alice.bsky.social')
const SECRET = 'atcr_device_rig_alice'

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
}

/** One secret-store operation in its own process, killed if it outlives `limitMs`. */
function keychain(
  env: NodeJS.ProcessEnv,
  args: string[],
  {input = '', limitMs = 30_000}: {input?: string; limitMs?: number} = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(process.execPath, [CLI, ...args], {env, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const limit = setTimeout(() => child.kill('SIGKILL'), limitMs)
    child.on('close', (code, signal) => {
      clearTimeout(limit)
      resolve({code, signal, stdout, stderr, ms: performance.now() - started})
    })
    child.stdin.end(input)
  })
}

const at = (location: typeof ALICE) => [location.service, location.account]

function assertKeychainLine(run: Run, pattern: RegExp) {
  assert.equal(run.code, 1, `exit ${run.code} (${run.signal}): ${run.stdout}${run.stderr}`)
  assert.equal(run.stderr, '')
  assert.match(run.stdout, /^[^\n]+\n$/, 'one line')
  assert.match(run.stdout, pattern)
  assert.match(run.stdout, /--storage file/)
  assert.doesNotMatch(run.stdout, new RegExp(SECRET))
}

const unavailable = secretServiceUnavailable()

describe('the secret store against a real Secret Service', {skip: unavailable ?? false}, () => {
  let rig: SecretServiceRig
  before(async () => {
    rig = await SecretServiceRig.start()
  })
  after(async () => {
    await rig?.close()
  })

  it('with no Secret Service on the bus: refuses, instead of using the keyutils keyring (lost at reboot)', async () => {
    await rig.stopKeyring()
    const refused = await keychain(rig.env, ['set', ...at(ALICE)], {input: SECRET})
    assertKeychainLine(refused, /not available .*org\.freedesktop\.secrets/)
    // (Left to itself, the binding would have "succeeded" here, into the kernel's keyutils keyring.)
  })

  it('sets, gets, tells and deletes; secret-tool sees the item in the Secret Service', async () => {
    await rig.startKeyring()
    assert.deepEqual(await keychain(rig.env, ['get', ...at(ALICE)]).then((run) => run.stdout), 'null\n')
    const set = await keychain(rig.env, ['set', ...at(ALICE)], {input: SECRET})
    assert.equal(set.code, 0, set.stdout + set.stderr)
    assert.equal(rig.lookup(ALICE.service, ALICE.account), SECRET)

    const got = await keychain(rig.env, ['get', ...at(ALICE)])
    assert.deepEqual({code: got.code, stdout: got.stdout}, {code: 0, stdout: `${JSON.stringify(SECRET)}\n`})
    assert.equal((await keychain(rig.env, ['has', ...at(ALICE)])).stdout, 'true\n')

    const deleted = await keychain(rig.env, ['delete', ...at(ALICE)])
    assert.equal(deleted.stdout, 'true\n')
    assert.equal(rig.lookup(ALICE.service, ALICE.account), undefined)
    assert.equal((await keychain(rig.env, ['delete', ...at(ALICE)])).stdout, 'false\n')
    assert.equal((await keychain(rig.env, ['has', ...at(ALICE)])).stdout, 'false\n')
  })

  it('keeps the secret when the keyring daemon stops and starts again', async () => {
    await rig.startKeyring()
    await keychain(rig.env, ['set', ...at(ALICE)], {input: SECRET})
    await rig.stopKeyring()
    const down = await keychain(rig.env, ['get', ...at(ALICE)])
    assertKeychainLine(down, /not available/)
    await rig.startKeyring()
    assert.equal((await keychain(rig.env, ['get', ...at(ALICE)])).stdout, `${JSON.stringify(SECRET)}\n`)
  })

  /** A running keyring holding alice's secret, locked. */
  async function lockedWithAlice() {
    await rig.stopKeyring()
    await rig.startKeyring()
    await keychain(rig.env, ['set', ...at(ALICE)], {input: SECRET})
    assert.equal(rig.lookup(ALICE.service, ALICE.account), SECRET)
    rig.lock()
  }

  it('locked, with no way to show its unlock prompt: says locked, at once', async () => {
    await lockedWithAlice()
    for (const operation of ['get', 'set', 'delete']) {
      const run = await keychain(rig.env, [operation, ...at(ALICE)], {input: 'atcr_device_other'})
      assertKeychainLine(run, /locked and was not unlocked/)
      assert.ok(run.ms < 10_000, `${operation} took ${run.ms.toFixed(0)} ms`)
    }
  })

  it('locked, its unlock prompt shown and never answered: one line within the budget, and the process ends', async () => {
    await lockedWithAlice()
    await rig.promptNobodyAnswers()
    try {
      const run = await keychain(rig.env, ['get', ...at(ALICE)], {limitMs: 20_000})
      assertKeychainLine(run, new RegExp(`did not answer \\(no answer within ${KEYCHAIN_GET_BUDGET_MS} ms`))
      // The budget, plus starting Node.js twice (the helper, then the one that ends it with exit code 1).
      assert.ok(run.ms < KEYCHAIN_GET_BUDGET_MS + 3000, `took ${run.ms.toFixed(0)} ms`)
    } finally {
      await rig.promptCannotShow()
    }
  })

  it('with no D-Bus at all: not available, naming DBUS_SESSION_BUS_ADDRESS', async () => {
    const {DBUS_SESSION_BUS_ADDRESS: _, ...noBus} = rig.env
    const run = await keychain(noBus, ['get', ...at(ALICE)])
    assertKeychainLine(run, /not available \(no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set/)
    assert.ok(run.ms < 10_000, `took ${run.ms.toFixed(0)} ms`)
  })

  it('with a bus that accepts and never answers: one line within the budget', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'atcr-silent-bus-'))
    const silent = createServer(() => {})
    const socket = path.join(directory, 'bus')
    await new Promise<void>((resolve) => silent.listen(socket, resolve))
    try {
      const run = await keychain({...rig.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${socket}`}, [
        'get',
        ...at(ALICE),
        '500',
      ])
      assertKeychainLine(run, /did not answer \(the D-Bus session bus did not answer within 500 ms/)
      assert.ok(run.ms < 500 + 3000, `took ${run.ms.toFixed(0)} ms`)
    } finally {
      silent.close()
      rmSync(directory, {recursive: true, force: true})
    }
  })
})
