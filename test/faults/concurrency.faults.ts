/**
 * Concurrency: many helpers at once on one account file, mixed store / erase / get, plus saves from real
 * people commands (`login --with-token`, `logout --yes`, `switch`, spawned through bin/run.js) against
 * the project's AppView emulator. The operations are chosen so that the final file is determined whatever
 * the interleaving, up to one documented freedom:
 *   - stores of distinct handles into a registry whose active account never changes;
 *   - erases, each registry erased twice (as `docker logout` does): the first removes the active
 *     account, the second finds none and does nothing, so the other account stays and none is active;
 *   - gets of a registry nobody writes: each must answer exactly while the file is being replaced;
 *   - `login <emulator> --with-token --account personN` of distinct handles, each secret issued by the
 *     emulator and piped on stdin: every account is saved with its secret and the DID the AppView
 *     names; login makes its account active, so the registry's `active` must be one of the logged-in
 *     handles (the last login to save wins — the only part of the file the order decides);
 *   - `logout <emulator> --account leaveN --yes` of seeded accounts that are never active: each is
 *     removed and revoked on the emulator, and the registry's unknown field survives every write;
 *   - `switch localhost:62NN --account bN` twice per registry: `bN` ends active either way.
 * Afterwards the file must parse and equal the expected document exactly (with `active` of the login
 * registry taken from the allowed set).
 */
import assert from 'node:assert/strict'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {test} from 'node:test'

import {SESSION_CACHE_FILE} from '../../src/lib/session-check/session-cache.ts'
import {type AppViewEmulator} from '../support/appview-emulator.ts'

import {
  addFigure,
  type CliResult,
  type Home,
  maxFigure,
  newHome,
  newSecret,
  runCli,
  setFigure,
  startScannedEmulator,
  writeAccountFile,
} from './harness.ts'
import {testNoSecretLeaked} from './secrets.ts'

/** 60+ processes on two shared cores can take long; only a hang should fail here. */
const SLOW_MACHINE_MS = 120_000

type Doc = {
  version: 2
  registries: Record<string, {active?: string; accounts: Record<string, unknown>; [k: string]: unknown}>
}

function account(handle: string, secret: string, did = '') {
  return {handle, did, device_secret: secret}
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    )
  }
  return value
}

interface Plan {
  seed: Doc
  expected: Doc
  /** The one part of `expected` the order decides: this registry's `active` must be one of `handles`. */
  activeAmong: {key: string; handles: string[]}
  /** How many of the operations are login / logout / switch processes, for the figures. */
  peopleCommands: string
  operations: (() => Promise<{
    result: CliResult
    check: (result: CliResult) => void
    /** A people command (login, logout, switch) rather than a protocol verb. */
    people?: boolean
  }>)[]
}

interface Scale {
  stores: number
  erasedRegistries: number
  gets: number
  /** `login --with-token` processes, distinct handles, into the emulator's registry. */
  logins: number
  /** `logout --yes` processes, distinct seeded accounts of the emulator's registry. */
  logouts: number
  /** Registries switched to their second account by two `switch` processes each. */
  switchedRegistries: number
}

/**
 * The JSON a people command printed with --json, or a failure naming what it printed instead. Its stderr
 * must be the one line for the person naming `name` (after at most one "Waiting for another …" line):
 * no warning, no stack, no second message.
 */
function jsonOutput(result: CliResult, what: string, name: string): Record<string, unknown> {
  if (result.code !== 0)
    throw new Error(`${what}: exit ${result.code} (signal ${result.signal}): ${result.stderr.slice(0, 400)}`)
  // Waiting for the lock more than a second is announced first (issue 10): one such line at most.
  const waiting =
    /^Waiting for another docker-credential-atcr (?:\(process \d+\) )?to finish writing .*device\.json…\n/
  const stderr = result.stderr.replace(waiting, '')
  if (stderr !== result.stderr) addFigure('concurrency: people commands that said they were waiting')
  const lines = stderr.split('\n')
  if (lines.length !== 2 || lines[1] !== '' || !lines[0]!.includes(name))
    throw new Error(
      `${what}: expected one line naming ${name} on stderr, got ${JSON.stringify(result.stderr)}`,
    )
  try {
    return JSON.parse(result.stdout) as Record<string, unknown>
  } catch {
    throw new Error(`${what}: stdout is not JSON: ${JSON.stringify(result.stdout.slice(0, 400))}`)
  }
}

function mixedPlan(home: Home, emulator: AppViewEmulator, scale: Scale): Plan {
  const seed: Doc = {version: 2, registries: {}}
  const expected: Doc = {version: 2, registries: {}}
  const operations: Plan['operations'] = []
  const storeInto = 'http://localhost:5001'
  const keepSecret = newSecret('cc')
  seed.registries[storeInto] = {
    active: 'keep.test',
    accounts: {'keep.test': account('keep.test', keepSecret)},
  }
  expected.registries[storeInto] = {
    active: 'keep.test',
    accounts: {'keep.test': account('keep.test', keepSecret)},
  }
  for (let i = 0; i < scale.stores; i++) {
    const handle = `s${i}.test`
    const secret = newSecret('cc')
    expected.registries[storeInto]!.accounts[handle] = account(handle, secret)
    const input = `${JSON.stringify({ServerURL: 'localhost:5001', Username: handle, Secret: secret})}\n`
    operations.push(async () => ({
      result: await runCli(['store'], {
        env: home.env,
        input,
        label: `concurrent store ${handle}`,
        timeoutMs: SLOW_MACHINE_MS,
      }),
      check: (result) =>
        assert.deepEqual(
          {code: result.code, stdout: result.stdout},
          {code: 0, stdout: ''},
          `store ${handle}`,
        ),
    }))
  }
  for (let i = 0; i < scale.erasedRegistries; i++) {
    const key = `http://localhost:${6100 + i}`
    const other = newSecret('cc')
    seed.registries[key] = {
      active: `first${i}.test`,
      accounts: {
        [`first${i}.test`]: account(`first${i}.test`, newSecret('cc')),
        [`other${i}.test`]: account(`other${i}.test`, other),
      },
    }
    expected.registries[key] = {accounts: {[`other${i}.test`]: account(`other${i}.test`, other)}}
    for (let twice = 0; twice < 2; twice++) {
      operations.push(async () => ({
        result: await runCli(['erase'], {
          env: home.env,
          input: `localhost:${6100 + i}`,
          label: `concurrent erase ${i}`,
          timeoutMs: SLOW_MACHINE_MS,
        }),
        check: (result) =>
          assert.deepEqual(
            {code: result.code, stdout: result.stdout},
            {code: 0, stdout: ''},
            `erase localhost:${6100 + i}`,
          ),
      }))
    }
  }
  const getSecret = newSecret('cc')
  seed.registries['http://localhost:7001'] = {
    active: 'g.test',
    accounts: {'g.test': account('g.test', getSecret)},
  }
  expected.registries['http://localhost:7001'] = {
    active: 'g.test',
    accounts: {'g.test': account('g.test', getSecret)},
  }
  const getAnswer = `${JSON.stringify({ServerURL: 'localhost:7001', Username: 'g.test', Secret: getSecret})}\n`
  for (let i = 0; i < scale.gets; i++) {
    const env = i % 3 === 0 ? {...home.env, ATCR_DEBUG: '1'} : home.env
    operations.push(async () => ({
      result: await runCli(['get'], {
        env,
        input: 'localhost:7001',
        stdoutMayHoldSecret: true,
        label: 'concurrent get',
        timeoutMs: SLOW_MACHINE_MS,
      }),
      check: (result) =>
        assert.deepEqual(
          {code: result.code, stdout: result.stdout},
          {code: 0, stdout: getAnswer},
          'concurrent get',
        ),
    }))
  }
  // People commands: no update notice (nor its background refresh) in these runs.
  const peopleEnv = {...home.env, ATCR_NO_UPDATE_NOTIFIER: '1'}
  const peopleKey = emulator.url
  const ownerSecret = newSecret('cc')
  const loggedIn: string[] = []
  seed.registries[peopleKey] = {
    active: 'owner.test',
    accounts: {'owner.test': account('owner.test', ownerSecret)},
    note: 'a field the helper does not know',
  }
  expected.registries[peopleKey] = {
    active: 'owner.test', // replaced by the login that saved last: see activeAmong
    accounts: {'owner.test': account('owner.test', ownerSecret)},
    note: 'a field the helper does not know',
  }
  for (let i = 0; i < scale.logins; i++) {
    const handle = `person${i}.test`
    const did = `did:plc:person${i}`
    const secret = emulator.addAccount({handle, did})
    loggedIn.push(handle)
    expected.registries[peopleKey]!.accounts[handle] = account(handle, secret, did)
    operations.push(async () => ({
      people: true,
      result: await runCli(['login', emulator.host, '--with-token', '--account', handle, '--json'], {
        env: peopleEnv,
        input: `${secret}\n`,
        label: `concurrent login ${handle}`,
        timeoutMs: SLOW_MACHINE_MS,
      }),
      check: (result) =>
        assert.deepEqual(
          jsonOutput(result, `login ${handle}`, handle),
          {registry: emulator.host, handle, did, replaced: false},
          `login ${handle}`,
        ),
    }))
  }
  for (let i = 0; i < scale.logouts; i++) {
    const handle = `leave${i}.test`
    const did = `did:plc:leave${i}`
    seed.registries[peopleKey]!.accounts[handle] = account(handle, emulator.addAccount({handle, did}), did)
    operations.push(async () => ({
      people: true,
      result: await runCli(['logout', emulator.host, '--account', handle, '--yes', '--json'], {
        env: peopleEnv,
        label: `concurrent logout ${handle}`,
        timeoutMs: SLOW_MACHINE_MS,
      }),
      check: (result) => {
        const {active, ...rest} = jsonOutput(result, `logout ${handle}`, handle)
        // The active account when this logout saved: the owner, or a login that saved before it.
        assert.deepEqual(
          typeof active === 'string' && ['owner.test', ...loggedIn].includes(active),
          true,
          `logout ${handle}: active ${JSON.stringify(active)}`,
        )
        // Revocation is best effort with a 5 s budget; on a machine loaded by 69 processes it may
        // time out, which is logout's documented behaviour. This case is about the account file.
        const {revoked, ...removal} = rest
        assert.deepEqual(typeof revoked, 'boolean', `logout ${handle}: revoked`)
        if (revoked === true) addFigure('concurrency: logouts that revoked on the AppView')
        assert.deepEqual(removal, {registry: emulator.host, removed: handle}, `logout ${handle}`)
      },
    }))
  }
  for (let i = 0; i < scale.switchedRegistries; i++) {
    const host = `localhost:${6200 + i}`
    const [a, b] = [`a${i}.test`, `b${i}.test`]
    const [secretA, secretB] = [newSecret('cc'), newSecret('cc')]
    seed.registries[`http://${host}`] = {
      active: a,
      accounts: {[a]: account(a, secretA), [b]: account(b, secretB)},
    }
    expected.registries[`http://${host}`] = {
      active: b,
      accounts: {[a]: account(a, secretA), [b]: account(b, secretB)},
    }
    for (let twice = 0; twice < 2; twice++) {
      operations.push(async () => ({
        people: true,
        result: await runCli(['switch', host, '--account', b, '--json'], {
          env: peopleEnv,
          label: `concurrent switch ${host}`,
          timeoutMs: SLOW_MACHINE_MS,
        }),
        check: (result) => {
          const output = jsonOutput(result, `switch ${host}`, b)
          // Either this one switched, or the other one already had.
          const allowed = [
            {registry: host, active: b, previous: a, changed: true},
            {registry: host, active: b, previous: b, changed: false},
          ]
          if (
            !allowed.some((answer) => JSON.stringify(canonical(answer)) === JSON.stringify(canonical(output)))
          )
            throw new Error(`switch ${host}: unexpected answer ${JSON.stringify(output)}`)
        },
      }))
    }
  }
  return {
    seed,
    expected,
    activeAmong: {key: peopleKey, handles: loggedIn},
    peopleCommands: `${scale.logins} / ${scale.logouts} / ${2 * scale.switchedRegistries}`,
    operations,
  }
}

async function runPlan(name: string, plan: Plan, home: Home): Promise<void> {
  writeAccountFile(home, `${JSON.stringify(plan.seed, null, 2)}\n`)
  const started = performance.now()
  // Every process is started before any is awaited: they all contend for the same file.
  const outcomes = await Promise.all(plan.operations.map(async (operation) => operation()))
  const wall = Math.round(performance.now() - started)
  const failed = outcomes.filter(({result, check}) => {
    try {
      check(result)
      return false
    } catch {
      return true
    }
  })
  setFigure(`concurrency: ${name}: failed processes`, failed.length)
  for (const {result, check} of failed) check(result)
  maxFigure(`concurrency: ${name}: parallel processes`, plan.operations.length)
  setFigure(`concurrency: ${name}: of which people commands (login / logout / switch)`, plan.peopleCommands)
  maxFigure(`concurrency: ${name}: wall time (ms)`, wall)
  maxFigure(
    `concurrency: ${name}: slowest process (ms)`,
    Math.round(Math.max(...outcomes.map((o) => o.result.ms))),
  )
  maxFigure(
    `concurrency: ${name}: slowest people command (ms)`,
    Math.round(Math.max(0, ...outcomes.filter((o) => o.people).map((o) => o.result.ms))),
  )
  const text = readFileSync(home.file, 'utf8')
  const parsed = JSON.parse(text) as Doc
  const {key, handles} = plan.activeAmong
  const active = parsed.registries?.[key]?.active
  if (typeof active !== 'string' || !handles.includes(active))
    throw new Error(
      `${name}: active account of ${key} is ${JSON.stringify(active)}, expected one of ${handles}`,
    )
  const expected = structuredClone(plan.expected)
  expected.registries[key]!.active = active
  assert.deepEqual(canonical(parsed), canonical(expected), `${name}: final account file`)
  assert.deepEqual((statSync(home.file).mode & 0o777).toString(8), '600', `${name}: file mode`)
  assert.deepEqual(
    readdirSync(home.dir).filter((file) => file !== SESSION_CACHE_FILE),
    ['device.json'],
    `${name}: files left beside the account file`,
  )
}

async function withEmulator(run: (emulator: AppViewEmulator) => Promise<void>): Promise<void> {
  const emulator = await startScannedEmulator()
  try {
    await run(emulator)
  } finally {
    await emulator.close()
  }
}

function registerConcurrencyCases(): void {
  test('concurrency › 69 processes: 20 store, 20 erase, 15 get, 14 people commands (6 login, 4 logout, 4 switch)', async () =>
    withEmulator(async (emulator) => {
      const home = newHome()
      const scale = {
        stores: 20,
        erasedRegistries: 10,
        gets: 15,
        logins: 6,
        logouts: 4,
        switchedRegistries: 2,
      }
      await runPlan('mixed', mixedPlan(home, emulator, scale), home)
    }))
  test('concurrency › 60 processes: 50 stores of distinct handles into one registry, 10 people commands (6 login, 2 logout, 2 switch)', async () =>
    withEmulator(async (emulator) => {
      const home = newHome()
      const scale = {stores: 50, erasedRegistries: 0, gets: 0, logins: 6, logouts: 2, switchedRegistries: 1}
      await runPlan('write storm', mixedPlan(home, emulator, scale), home)
    }))
  test('concurrency › 200 writers at once: 170 store, 20 erase, 10 people commands (4 login, 2 logout, 4 switch): 0 failures, 0 lost', async () =>
    withEmulator(async (emulator) => {
      const home = newHome()
      const scale = {
        stores: 170,
        erasedRegistries: 10,
        gets: 0,
        logins: 4,
        logouts: 2,
        switchedRegistries: 2,
      }
      await runPlan('200 writers', mixedPlan(home, emulator, scale), home)
    }))
  setFigure(
    'concurrency: people saves',
    'real commands: login --with-token, logout --yes, switch (bin/run.js) against the AppView emulator',
  )
}

registerConcurrencyCases()
testNoSecretLeaked()
