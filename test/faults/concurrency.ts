/**
 * Concurrency: many helpers at once on one account file, mixed store / erase / get, plus saves from
 * people commands (simulated by people-save.ts through updateAccounts, as no people command writes yet).
 * The operations are chosen so that the final file is fully determined whatever the interleaving:
 *   - stores of distinct handles into a registry whose active account never changes;
 *   - erases, each registry erased twice (as `docker logout` does): the first removes the active
 *     account, the second finds none and does nothing, so the other account stays and none is active;
 *   - gets of a registry nobody writes: each must answer exactly while the file is being replaced;
 *   - people saves of distinct handles and distinct unknown fields into another registry.
 * Afterwards the file must parse and equal the expected document exactly.
 */
import {readdirSync, readFileSync, statSync} from 'node:fs'

import {SESSION_CACHE_FILE} from '../../src/lib/session-check/session-cache.ts'

import {
  addCase,
  assertEqual,
  type CliResult,
  type Home,
  maxFigure,
  newHome,
  newSecret,
  runCli,
  runScript,
  setFigure,
  writeAccountFile,
} from './harness.ts'

/** 60+ processes on two shared cores can take long; only a hang should fail here. */
const SLOW_MACHINE_MS = 120_000

type Doc = {
  version: 2
  registries: Record<string, {active?: string; accounts: Record<string, unknown>; [k: string]: unknown}>
}

function account(handle: string, secret: string) {
  return {handle, did: '', device_secret: secret}
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
  operations: (() => Promise<{result: CliResult; check: (result: CliResult) => void}>)[]
}

function mixedPlan(
  home: Home,
  scale: {stores: number; erasedRegistries: number; gets: number; people: number},
): Plan {
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
        assertEqual({code: result.code, stdout: result.stdout}, {code: 0, stdout: ''}, `store ${handle}`),
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
          assertEqual(
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
        assertEqual(
          {code: result.code, stdout: result.stdout},
          {code: 0, stdout: getAnswer},
          'concurrent get',
        ),
    }))
  }
  const peopleKey = 'https://people.example'
  seed.registries[peopleKey] = {
    active: 'owner.test',
    accounts: {'owner.test': account('owner.test', keepSecret)},
  }
  expected.registries[peopleKey] = {
    active: 'owner.test',
    accounts: {'owner.test': account('owner.test', keepSecret)},
  }
  for (let i = 0; i < scale.people; i++) {
    const handle = `person${i}.test`
    const secret = newSecret('cc')
    expected.registries[peopleKey]!.accounts[handle] = account(handle, secret)
    expected.registries[peopleKey]![`note${i}`] = handle
    const input = JSON.stringify({registry: peopleKey, handle, secret, field: `note${i}`})
    operations.push(async () => ({
      result: await runScript('people-save.mjs', [], {
        env: home.env,
        input,
        label: `people save ${handle}`,
        timeoutMs: SLOW_MACHINE_MS,
      }),
      check: (result) =>
        assertEqual(
          {code: result.code, stderr: result.stderr},
          {code: 0, stderr: ''},
          `people save ${handle}`,
        ),
    }))
  }
  return {seed, expected, operations}
}

async function runPlan(name: string, plan: Plan, home: Home): Promise<void> {
  writeAccountFile(home, `${JSON.stringify(plan.seed, null, 2)}\n`)
  const started = performance.now()
  // Every process is started before any is awaited: they all contend for the same file.
  const outcomes = await Promise.all(plan.operations.map(async (operation) => operation()))
  const wall = Math.round(performance.now() - started)
  for (const {result, check} of outcomes) check(result)
  maxFigure(`concurrency: ${name}: parallel processes`, plan.operations.length)
  maxFigure(`concurrency: ${name}: wall time (ms)`, wall)
  maxFigure(
    `concurrency: ${name}: slowest process (ms)`,
    Math.round(Math.max(...outcomes.map((o) => o.result.ms))),
  )
  const text = readFileSync(home.file, 'utf8')
  const parsed = JSON.parse(text) as unknown
  assertEqual(canonical(parsed), canonical(plan.expected), `${name}: final account file`)
  assertEqual((statSync(home.file).mode & 0o777).toString(8), '600', `${name}: file mode`)
  assertEqual(
    readdirSync(home.dir).filter((file) => file !== SESSION_CACHE_FILE),
    ['device.json'],
    `${name}: files left beside the account file`,
  )
}

export function registerConcurrencyCases(): void {
  addCase(
    'concurrency',
    '65 processes: 20 store, 20 erase, 15 get, 10 people saves',
    async () => {
      const home = newHome()
      await runPlan('mixed', mixedPlan(home, {stores: 20, erasedRegistries: 10, gets: 15, people: 10}), home)
    },
    true,
  )
  addCase(
    'concurrency',
    '60 processes: 50 stores of distinct handles into one registry, 10 people saves',
    async () => {
      const home = newHome()
      await runPlan(
        'write storm',
        mixedPlan(home, {stores: 50, erasedRegistries: 0, gets: 0, people: 10}),
        home,
      )
    },
    true,
  )
  setFigure('concurrency: people saves', 'simulated: updateAccounts via test/faults/people-save.mjs')
}
