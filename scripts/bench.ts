/**
 * `npm run bench`: how much slower `get` is than starting Node at all.
 *
 * Two accounts on atcr.io with none active, so `get` must read its parent's command line to choose
 * (`docker push atcr.io/alice.bsky.social/app`). The baseline is a bare Node script that reads stdin and
 * prints the same JSON. Both run alternately, many times, in one process whose argv is that docker
 * command line; the medians are compared against the target (get ≤ 1.3 × baseline).
 *
 * The session cache holds a fresh "valid" answer for alice, as a real check would have left it a
 * moment ago: the common case, where Docker's `get` makes no network request.
 *
 * Memory: in separate runs (so the timing runs carry no extra code), both sides preload a few lines
 * that report the process's peak resident set size at exit; the medians are compared against the same
 * target (get ≤ 1.3 × baseline).
 *
 * More rows, each a ratio or a count from this one run, each with its gate:
 *   - `get` with 1 account (≤ 1.15×), with 10 000 accounts (100 registries of 100, 2.3 MB; ≤ 1.3×) and
 *     with 10 000 accounts all in the registry `get` asks for (2.2 MB; ≤ 1.3×), all against the same
 *     bare-Node baseline, alternating; the last also as the first `get` after the file changed, which
 *     proves the registry's layout again (src/lib/config/layout-proofs.ts), without a gate;
 *   - 50 parallel `get`s with a cold session cache against 5 AppView emulators (one account each, 10 gets
 *     per account): token requests per account (≤ 2);
 *   - `get` for alice with her secret in the OS keychain (≤ 1.5×): a real Secret Service, gnome-keyring on
 *     a private bus (test/keychain/secret-service-rig.ts); skipped, saying why, where it is not installed;
 *   - an installed people command, `version`: the package as `npm pack` makes it (with
 *     oclif.manifest.json), installed with `npm install --global --prefix <temp>` from the local npm
 *     cache (no network when the dependencies were installed by `npm ci`), against `node -e 0` (≤ 3.5×).
 *
 * The tables go to stdout and into docs/performance.md (that file is this script's output: edit the
 * script, not the file).
 *
 * Usage: npm run bench [-- --runs 80]
 */
import {spawn, spawnSync} from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {format, resolveConfig} from 'prettier'

import {LAYOUT_PROOFS_FILE} from '../src/lib/config/layout-proofs.ts'
import {remember, sessionCacheKey, sessionCachePath} from '../src/lib/session-check/session-cache.ts'
import {SecretServiceRig, secretServiceUnavailable} from '../test/keychain/secret-service-rig.ts'
import {startAppViewEmulator} from '../test/support/appview-emulator.ts'
import {
  ALICE,
  BOB,
  CLIENT_ARGV,
  EXPECTED,
  median,
  percentile,
  REPO,
  runsFromArgs,
  TARGET_RATIO,
  underClientCommandLine,
} from './bench/common.ts'

const ONE_ACCOUNT_TARGET = 1.15
const LARGE_FILE_TARGET = 1.3
const REQUESTS_PER_ACCOUNT_TARGET = 2
const PEOPLE_COMMAND_TARGET = 3.5
const KEYCHAIN_TARGET = 1.5
const MEMORY_RUNS = 15
const CLI = path.join(REPO, 'bin', 'run.js')

/** Wall time of one run, in ms; fails loudly if the answer is not the expected credentials. */
function timeOnce(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint()
  runOnce(args, env)
  return Number(process.hrtime.bigint() - started) / 1e6
}

/** Peak RSS of one run, in MB, as the process itself reported it at exit (see memoryProbe). */
function peakRssOnce(args: string[], env: NodeJS.ProcessEnv, probe: {file: string; report: string}): number {
  rmSync(probe.report, {force: true})
  runOnce(args, {
    ...env,
    NODE_OPTIONS: `--import=${pathToFileURL(probe.file).href}`,
    ATCR_BENCH_RSS: probe.report,
  })
  return Number(readFileSync(probe.report, 'utf8')) / 1024
}

/** A preload that writes the process's peak RSS (KiB, from getrusage) to $ATCR_BENCH_RSS at exit. */
function memoryProbe(root: string): {file: string; report: string} {
  const file = path.join(root, 'rss-probe.mjs')
  writeFileSync(
    file,
    `import {writeFileSync} from 'node:fs'\n` +
      `process.on('exit', () => writeFileSync(process.env.ATCR_BENCH_RSS, String(process.resourceUsage().maxRSS)))\n`,
  )
  return {file, report: path.join(root, 'rss.txt')}
}

function runOnce(args: string[], env: NodeJS.ProcessEnv): void {
  const result = spawnSync(process.execPath, args, {input: 'atcr.io', env, encoding: 'utf8'})
  if (result.status !== 0 || result.stdout !== EXPECTED) {
    throw new Error(
      `unexpected answer from ${args.join(' ')}: exit ${result.status}, stdout ${JSON.stringify(result.stdout)}, stderr ${result.stderr}`,
    )
  }
}

/** A fresh "valid" answer for alice in a config directory's session cache. */
function rememberAlice(configDir: string): void {
  remember(
    sessionCachePath(configDir),
    sessionCacheKey('atcr.io', ALICE.handle, ALICE.device_secret),
    'valid',
    Date.now(),
  )
}

/** A config directory holding `registries`, with a fresh "valid" answer cached for alice. */
function configDirWith(root: string, name: string, registries: Record<string, unknown>): string {
  const configDir = path.join(root, name)
  mkdirSync(configDir, {mode: 0o700})
  // As the helper writes it (serializeAccountFile): the layout whose registries get reads on demand.
  writeFileSync(
    path.join(configDir, 'device.json'),
    `${JSON.stringify({version: 2, registries}, null, 2)}\n`,
    {mode: 0o600},
  )
  rememberAlice(configDir)
  return configDir
}

/** 10 000 accounts: atcr.io with alice, bob and 98 others, and 99 more registries of 100 accounts each. */
function tenThousandAccounts(): Record<string, unknown> {
  const registries: Record<string, {active?: string; accounts: Record<string, unknown>}> = {}
  const random = (length: number) =>
    Array.from({length}, () => 'abcdefghijklmnopqrstuvwxyz234567'[Math.floor(Math.random() * 32)]).join('')
  for (let r = 0; r < 100; r++) {
    const accounts: Record<string, unknown> = {}
    const extra = r === 0 ? 98 : 100
    for (let i = 0; i < extra; i++) {
      const handle = `user${i}.registry${r}.example.com`
      accounts[handle] = {handle, did: `did:plc:${random(24)}`, device_secret: `atcr_device_${random(43)}`}
    }
    if (r === 0) {
      accounts[ALICE.handle] = ALICE
      accounts[BOB.handle] = BOB
      registries['https://atcr.io'] = {accounts}
    } else {
      registries[`https://registry${r}.example.com`] = {active: `user0.registry${r}.example.com`, accounts}
    }
  }
  return registries
}

/** 10 000 accounts, all on atcr.io (alice, bob and 9 998 others): `get` parses every one of them. */
function tenThousandInOneRegistry(): Record<string, unknown> {
  const accounts: Record<string, unknown> = {}
  const random = (length: number) =>
    Array.from({length}, () => 'abcdefghijklmnopqrstuvwxyz234567'[Math.floor(Math.random() * 32)]).join('')
  for (let i = 0; i < 9998; i++) {
    const handle = `user${i}.atcr.example.com`
    accounts[handle] = {handle, did: `did:plc:${random(24)}`, device_secret: `atcr_device_${random(43)}`}
  }
  accounts[ALICE.handle] = ALICE
  accounts[BOB.handle] = BOB
  return {'https://atcr.io': {accounts}}
}

interface TimingCase {
  name: string
  env: NodeJS.ProcessEnv
  times: number[]
  /** Run before each of its runs, untimed. */
  before?: () => void
}

/** get in each case and the baseline, interleaved run by run so that all share the machine's moods. */
function timeAlternating(
  cases: TimingCase[],
  baseline: string,
  baseEnv: NodeJS.ProcessEnv,
  runs: number,
  keepWarm: () => void,
) {
  const baselineTimes: number[] = []
  const timeCase = (item: TimingCase) => {
    item.before?.()
    return timeOnce([CLI, 'get'], item.env)
  }
  for (let warm = 0; warm < 5; warm++) {
    for (const item of cases) timeCase(item)
    timeOnce([baseline], baseEnv)
  }
  for (let run = 0; run < runs; run++) {
    // On a loaded machine the rounds can outlast the session cache's 5 minutes: keep it as fresh as
    // Docker's back-to-back gets would find it, so that every row times the warm path.
    keepWarm()
    // Alternate the order so neither side always runs on a warmer machine.
    const order = run % 2 === 0 ? cases : [...cases].reverse()
    if (run % 2 === 1) baselineTimes.push(timeOnce([baseline], baseEnv))
    for (const item of order) item.times.push(timeCase(item))
    if (run % 2 === 0) baselineTimes.push(timeOnce([baseline], baseEnv))
  }
  return baselineTimes
}

/** 50 gets at once, 10 per account, one account per AppView emulator, cold cache: token requests per account. */
async function coldBurst(root: string, env: NodeJS.ProcessEnv): Promise<number[]> {
  const emulators = await Promise.all(Array.from({length: 5}, () => startAppViewEmulator()))
  try {
    const configDir = path.join(root, 'burst')
    mkdirSync(configDir, {mode: 0o700})
    const registries: Record<string, unknown> = {}
    for (const [index, emulator] of emulators.entries()) {
      const handle = `burst${index}.test`
      const secret = emulator.addAccount({handle, did: `did:plc:burst${index}`})
      registries[emulator.url] = {
        active: handle,
        accounts: {[handle]: {handle, did: `did:plc:burst${index}`, device_secret: secret}},
      }
    }
    writeFileSync(path.join(configDir, 'device.json'), JSON.stringify({version: 2, registries}), {
      mode: 0o600,
    })
    const burstEnv = {...env, ATCR_CONFIG_DIR: configDir}
    const runs = emulators.flatMap((emulator) =>
      Array.from(
        {length: 10},
        () =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(process.execPath, [CLI, 'get'], {
              env: burstEnv,
              stdio: ['pipe', 'pipe', 'ignore'],
            })
            let stdout = ''
            child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
            child.on('error', reject)
            child.on('close', (code) => {
              if (code === 0 && stdout.includes('"Username":"burst')) resolve()
              else reject(new Error(`burst get: exit ${code}, stdout ${JSON.stringify(stdout)}`))
            })
            child.stdin.end(emulator.host)
          }),
      ),
    )
    await Promise.all(runs)
    return emulators.map(
      (emulator) => emulator.requests.filter((request) => request.path === '/auth/token').length,
    )
  } finally {
    await Promise.all(emulators.map(async (emulator) => emulator.close()))
  }
}

/** The package as `npm pack` makes it, installed into a temporary prefix; the path of its bin. */
function installPackage(root: string): string {
  const packDir = path.join(root, 'pack')
  const prefix = path.join(root, 'prefix')
  mkdirSync(packDir)
  // The bench has just built (dist/ and oclif.manifest.json): pack without running the build again.
  const npm = (args: string[]) => {
    const result = spawnSync('npm', args, {cwd: REPO, encoding: 'utf8'})
    if (result.status !== 0) throw new Error(`npm ${args.join(' ')}: ${result.stderr}`)
    return result.stdout
  }
  npm(['pack', '--ignore-scripts', '--silent', '--pack-destination', packDir])
  const tarball = path.join(packDir, readdirSync(packDir)[0]!)
  const listing = spawnSync('tar', ['-tzf', tarball], {encoding: 'utf8'}).stdout
  if (!listing.includes('package/oclif.manifest.json'))
    throw new Error('the package lacks oclif.manifest.json')
  npm([
    'install',
    '--global',
    '--prefix',
    prefix,
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    '--silent',
    tarball,
  ])
  return path.join(prefix, 'bin', 'docker-credential-atcr')
}

/** `version` of the installed package against `node -e 0`, alternating; medians. */
function timePeopleCommand(bin: string, env: NodeJS.ProcessEnv, runs: number) {
  const time = (args: string[]) => {
    const started = process.hrtime.bigint()
    const result = spawnSync(process.execPath, args, {env, encoding: 'utf8'})
    if (result.status !== 0) throw new Error(`${args.join(' ')}: exit ${result.status}: ${result.stderr}`)
    return Number(process.hrtime.bigint() - started) / 1e6
  }
  const version: number[] = []
  const bare: number[] = []
  for (let warm = 0; warm < 3; warm++) {
    time([bin, 'version'])
    time(['-e', '0'])
  }
  for (let run = 0; run < runs; run++) {
    if (run % 2 === 0) {
      version.push(time([bin, 'version']))
      bare.push(time(['-e', '0']))
    } else {
      bare.push(time(['-e', '0']))
      version.push(time([bin, 'version']))
    }
  }
  return {version, bare}
}

/**
 * alice alone on atcr.io with her secret in a real Secret Service, stored by `store` as `docker login`
 * would with ATCR_STORAGE=keychain: the environment of that case, or why it cannot run here.
 */
async function keychainCase(
  root: string,
  env: NodeJS.ProcessEnv,
): Promise<{rig: SecretServiceRig; env: NodeJS.ProcessEnv} | {skipped: string}> {
  const unavailable = secretServiceUnavailable()
  if (unavailable) return {skipped: unavailable}
  const rig = await SecretServiceRig.start()
  await rig.startKeyring()
  const configDir = path.join(root, 'keychain')
  mkdirSync(configDir, {mode: 0o700})
  const caseEnv = {...env, ...rig.env, HOME: root, ATCR_CONFIG_DIR: configDir}
  const input = JSON.stringify({ServerURL: 'atcr.io', Username: ALICE.handle, Secret: ALICE.device_secret})
  const stored = spawnSync(process.execPath, [CLI, 'store'], {
    input,
    env: {...caseEnv, ATCR_STORAGE: 'keychain'},
    encoding: 'utf8',
  })
  if (
    stored.status !== 0 ||
    readFileSync(path.join(configDir, 'device.json'), 'utf8').includes('atcr_device_')
  )
    throw new Error(`store into the keychain: exit ${stored.status}: ${stored.stdout}${stored.stderr}`)
  rememberAlice(configDir)
  return {rig, env: caseEnv}
}

/** The size of a config directory's account file, in MB, for a row's name. */
function megabytes(configDir: string): string {
  return (statSync(path.join(configDir, 'device.json')).size / 1e6).toFixed(1)
}

/**
 * docs/performance.md: this run's output as printed, under a line saying where it comes from, in the
 * layout prettier gives it (npm run lint checks it).
 */
async function writePerformanceDoc(lines: string[]): Promise<void> {
  const load = loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')
  const text = [
    '# Performance',
    '',
    '<!-- Written by `npm run bench` (scripts/bench.ts): change the script, not this file. -->',
    '',
    `\`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, load average ${load} at the end.`,
    '`get` is timed against a bare Node.js script that reads stdin and prints the same JSON, an installed',
    '`version` against `node -e 0`; every ratio is from this one run. The tarball install is timed',
    'separately (scripts/bench-release.ts, printed by `npm run bench` only).',
    '',
    // Plain lines become paragraphs; table lines stay together.
    ...lines.flatMap((line) => (line.startsWith('|') ? [line] : ['', line.trim(), ''])),
  ]
  const file = path.join(REPO, 'docs', 'performance.md')
  const markdown = `${text
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`
  writeFileSync(file, await format(markdown, {...(await resolveConfig(file)), filepath: file}))
}

async function measure(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'atcr-bench-'))
  let keychainRig: SecretServiceRig | undefined
  try {
    const configDir = configDirWith(root, '.atcr', {
      'https://atcr.io': {accounts: {[ALICE.handle]: ALICE, [BOB.handle]: BOB}},
    })
    const oneAccountDir = configDirWith(root, 'one', {
      'https://atcr.io': {active: ALICE.handle, accounts: {[ALICE.handle]: ALICE}},
    })
    const largeDir = configDirWith(root, 'large', tenThousandAccounts())
    const oneRegistryAccounts = tenThousandInOneRegistry()
    const oneRegistryDir = configDirWith(root, 'one-registry', oneRegistryAccounts)
    const provedAgainDir = configDirWith(root, 'proved-again', oneRegistryAccounts)
    const baseline = path.join(root, 'baseline.mjs')
    writeFileSync(
      baseline,
      `let input = ''\nprocess.stdin.setEncoding('utf8').on('data', (c) => (input += c)).on('end', () => {\n` +
        `  process.stdout.write(JSON.stringify({ServerURL: input.trim(), Username: ${JSON.stringify(ALICE.handle)}, Secret: ${JSON.stringify(ALICE.device_secret)}}) + '\\n')\n})\n`,
    )
    const env = {
      PATH: process.env.PATH,
      HOME: root,
      ATCR_CONFIG_DIR: configDir,
      DOCKER_CONFIG: path.join(root, '.docker'),
    }

    const runs = runsFromArgs()
    const main: TimingCase = {name: 'docker-credential-atcr get', env, times: []}
    const one: TimingCase = {name: 'get, 1 account', env: {...env, ATCR_CONFIG_DIR: oneAccountDir}, times: []}
    const large: TimingCase = {
      name: `get, 10 000 accounts (${megabytes(largeDir)} MB)`,
      env: {...env, ATCR_CONFIG_DIR: largeDir},
      times: [],
    }
    const oneRegistry: TimingCase = {
      name: `get, 10 000 in atcr.io (${megabytes(oneRegistryDir)} MB)`,
      env: {...env, ATCR_CONFIG_DIR: oneRegistryDir},
      times: [],
    }
    // The first `get` after the file changed: no remembered proof of its layout (layout-proofs.ts).
    const provedAgain: TimingCase = {
      name: 'get, 10 000, proof not remembered',
      env: {...env, ATCR_CONFIG_DIR: provedAgainDir},
      times: [],
      before: () => rmSync(path.join(provedAgainDir, LAYOUT_PROOFS_FILE), {force: true}),
    }
    const keychain = await keychainCase(root, env)
    if ('rig' in keychain) keychainRig = keychain.rig
    const inKeychain: TimingCase | undefined =
      'env' in keychain ? {name: 'get, secret in the OS keychain', env: keychain.env, times: []} : undefined
    const getTimes = main.times
    const timed = [main, one, large, oneRegistry, provedAgain, ...(inKeychain ? [inKeychain] : [])]
    const baselineTimes = timeAlternating(timed, baseline, env, runs, () =>
      timed.forEach((item) => rememberAlice(item.env.ATCR_CONFIG_DIR!)),
    )

    const probe = memoryProbe(root)
    const getRss: number[] = []
    const baselineRss: number[] = []
    for (let run = 0; run < MEMORY_RUNS; run++) {
      rememberAlice(configDir)
      getRss.push(peakRssOnce([CLI, 'get'], env, probe))
      baselineRss.push(peakRssOnce([baseline], env, probe))
    }

    // Without a remembered proof, the one-registry row would have timed the proved-again path.
    if (!existsSync(path.join(oneRegistryDir, LAYOUT_PROOFS_FILE)))
      throw new Error('get did not remember the layout proof of the one-registry file')
    // A cache miss would have asked atcr.io (unreachable here) and recorded that: then this was not the warm path.
    for (const dir of [configDir, oneAccountDir, largeDir, oneRegistryDir, provedAgainDir]) {
      const cache = JSON.parse(readFileSync(sessionCachePath(dir), 'utf8')) as {unreachable: object}
      if (Object.keys(cache.unreachable).length > 0)
        throw new Error('get missed the session cache: the figures would include a network attempt')
    }

    await keychainRig?.close()

    const requestsPerAccount = await coldBurst(root, env)
    const installedBin = installPackage(root)
    const people = timePeopleCommand(installedBin, {...env, ATCR_NO_UPDATE_NOTIFIER: '1'}, Math.min(runs, 20))

    const lines: string[] = []
    const out = (line: string) => {
      console.log(line)
      lines.push(line)
    }
    const ratio = median(getTimes) / median(baselineTimes)
    const row = (name: string, times: number[]) =>
      `| ${name.padEnd(34)} | ${median(times).toFixed(1).padStart(8)} | ${percentile(times, 90).toFixed(1).padStart(8)} | ${Math.min(
        ...times,
      )
        .toFixed(1)
        .padStart(8)} |`
    out(`node ${process.version}, ${runs} runs each, alternating; parent: ${CLIENT_ARGV.join(' ')}`)
    out('| command                            | median ms |   p90 ms |   min ms |')
    out('|------------------------------------|----------:|---------:|---------:|')
    out(row('docker-credential-atcr get', getTimes))
    out(row('bare node: read stdin, print JSON', baselineTimes))
    const verdict = ratio <= TARGET_RATIO ? 'PASS' : 'FAIL'
    out(`get / baseline (medians): ${ratio.toFixed(2)}× — target ≤ ${TARGET_RATIO}× — ${verdict}`)

    const memoryRatio = median(getRss) / median(baselineRss)
    const memoryRow = (name: string, values: number[]) =>
      `| ${name.padEnd(34)} | ${median(values).toFixed(1).padStart(9)} | ${Math.max(...values)
        .toFixed(1)
        .padStart(8)} |`
    out(`\npeak resident memory, ${MEMORY_RUNS} runs each (getrusage maxRSS at exit)`)
    out('| command                            | median MB |   max MB |')
    out('|------------------------------------|----------:|---------:|')
    out(memoryRow('docker-credential-atcr get', getRss))
    out(memoryRow('bare node: read stdin, print JSON', baselineRss))
    const memoryVerdict = memoryRatio <= TARGET_RATIO ? 'PASS' : 'FAIL'
    out(`get / baseline (medians): ${memoryRatio.toFixed(2)}× — target ≤ ${TARGET_RATIO}× — ${memoryVerdict}`)

    // Scale: each a ratio (or a count) from this one run, with its gate.
    const gates: {name: string; value: number; target: number; unit: string}[] = [
      {
        name: 'get, 1 account / baseline',
        value: median(one.times) / median(baselineTimes),
        target: ONE_ACCOUNT_TARGET,
        unit: '×',
      },
      {
        name: 'get, 10 000 accounts / baseline',
        value: median(large.times) / median(baselineTimes),
        target: LARGE_FILE_TARGET,
        unit: '×',
      },
      {
        name: 'get, 10 000 accounts in atcr.io / baseline',
        value: median(oneRegistry.times) / median(baselineTimes),
        target: LARGE_FILE_TARGET,
        unit: '×',
      },
      ...(inKeychain
        ? [
            {
              name: 'get, secret in the OS keychain / baseline',
              value: median(inKeychain.times) / median(baselineTimes),
              target: KEYCHAIN_TARGET,
              unit: '×',
            },
          ]
        : []),
      {
        name: '50 cold gets: token requests per account (max)',
        value: Math.max(...requestsPerAccount),
        target: REQUESTS_PER_ACCOUNT_TARGET,
        unit: '',
      },
      {
        name: 'installed `version` / `node -e 0`',
        value: median(people.version) / median(people.bare),
        target: PEOPLE_COMMAND_TARGET,
        unit: '×',
      },
    ]
    out('\nscale, from this run')
    out('| command                            | median ms |   p90 ms |   min ms |')
    out('|------------------------------------|----------:|---------:|---------:|')
    out(row(one.name, one.times))
    out(row(large.name, large.times))
    out(row(oneRegistry.name, oneRegistry.times))
    out(row(provedAgain.name, provedAgain.times))
    if (inKeychain) out(row(inKeychain.name, inKeychain.times))
    out(row('installed: docker-credential-atcr version', people.version))
    out(row('node -e 0', people.bare))
    if ('skipped' in keychain)
      out(`get with the secret in the OS keychain: not measured (${keychain.skipped})`)
    out(`50 parallel cold gets (10 per account): token requests per account ${requestsPerAccount.join(', ')}`)
    out('| gate                                            |   value | target | verdict |')
    out('|-------------------------------------------------|--------:|-------:|---------|')
    for (const gate of gates) {
      const value = gate.unit === '×' ? `${gate.value.toFixed(2)}×` : String(gate.value)
      out(
        `| ${gate.name.padEnd(47)} | ${value.padStart(7)} | ≤ ${`${gate.target}${gate.unit}`.padStart(4)} | ${gate.value <= gate.target ? 'PASS' : 'FAIL'}    |`,
      )
    }
    out(
      `The first get after the account file changed proves the one registry's layout again (no gate): ${(median(provedAgain.times) / median(baselineTimes)).toFixed(2)}× the baseline.`,
    )
    await writePerformanceDoc(lines)
    const allPass =
      ratio <= TARGET_RATIO && memoryRatio <= TARGET_RATIO && gates.every((gate) => gate.value <= gate.target)
    process.exitCode = allPass ? 0 : 1
  } finally {
    await keychainRig?.close()
    rmSync(root, {recursive: true, force: true})
  }
}

await underClientCommandLine(import.meta.url, measure)
