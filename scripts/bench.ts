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
 * Usage: npm run bench [-- --runs 80]
 */
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {remember, sessionCacheKey, sessionCachePath} from '../src/lib/session-check/session-cache.ts'

const TARGET_RATIO = 1.3
const MEMORY_RUNS = 15
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const CLI = path.join(REPO, 'bin', 'run.js')
const CLIENT_ARGV = ['docker', 'push', 'atcr.io/alice.bsky.social/app:latest']
const ALICE = {handle: 'alice.bsky.social', did: 'did:plc:alice', device_secret: 'atcr_device_bench_alice'}
const BOB = {handle: 'bob.example.com', did: 'did:plc:bob', device_secret: 'atcr_device_bench_bob'}
const EXPECTED = `${JSON.stringify({ServerURL: 'atcr.io', Username: ALICE.handle, Secret: ALICE.device_secret})}\n`

function runsFromArgs(): number {
  const index = process.argv.indexOf('--runs')
  return index === -1 ? 60 : Number(process.argv[index + 1])
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

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

function measure(): void {
  const root = mkdtempSync(path.join(tmpdir(), 'atcr-bench-'))
  try {
    const configDir = path.join(root, '.atcr')
    mkdirSync(configDir, {mode: 0o700})
    writeFileSync(
      path.join(configDir, 'device.json'),
      JSON.stringify({
        version: 2,
        registries: {'https://atcr.io': {accounts: {[ALICE.handle]: ALICE, [BOB.handle]: BOB}}},
      }),
      {mode: 0o600},
    )
    remember(
      sessionCachePath(configDir),
      sessionCacheKey('atcr.io', ALICE.handle, ALICE.device_secret),
      'valid',
      Date.now(),
    )
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
    for (let warm = 0; warm < 5; warm++) {
      timeOnce([CLI, 'get'], env)
      timeOnce([baseline], env)
    }
    const getTimes: number[] = []
    const baselineTimes: number[] = []
    for (let run = 0; run < runs; run++) {
      // Alternate the order so neither side always runs on a warmer machine.
      if (run % 2 === 0) {
        getTimes.push(timeOnce([CLI, 'get'], env))
        baselineTimes.push(timeOnce([baseline], env))
      } else {
        baselineTimes.push(timeOnce([baseline], env))
        getTimes.push(timeOnce([CLI, 'get'], env))
      }
    }

    const probe = memoryProbe(root)
    const getRss: number[] = []
    const baselineRss: number[] = []
    for (let run = 0; run < MEMORY_RUNS; run++) {
      getRss.push(peakRssOnce([CLI, 'get'], env, probe))
      baselineRss.push(peakRssOnce([baseline], env, probe))
    }

    // A cache miss would have asked atcr.io (unreachable here) and recorded that: then this was not the warm path.
    const cache = JSON.parse(readFileSync(sessionCachePath(configDir), 'utf8')) as {unreachable: object}
    if (Object.keys(cache.unreachable).length > 0)
      throw new Error('get missed the session cache: the figures would include a network attempt')

    const ratio = median(getTimes) / median(baselineTimes)
    const row = (name: string, times: number[]) =>
      `| ${name.padEnd(34)} | ${median(times).toFixed(1).padStart(8)} | ${percentile(times, 90).toFixed(1).padStart(8)} | ${Math.min(
        ...times,
      )
        .toFixed(1)
        .padStart(8)} |`
    console.log(`node ${process.version}, ${runs} runs each, alternating; parent: ${CLIENT_ARGV.join(' ')}`)
    console.log('| command                            | median ms |   p90 ms |   min ms |')
    console.log('|------------------------------------|----------:|---------:|---------:|')
    console.log(row('docker-credential-atcr get', getTimes))
    console.log(row('bare node: read stdin, print JSON', baselineTimes))
    const verdict = ratio <= TARGET_RATIO ? 'PASS' : 'FAIL'
    console.log(`get / baseline (medians): ${ratio.toFixed(2)}× — target ≤ ${TARGET_RATIO}× — ${verdict}`)

    const memoryRatio = median(getRss) / median(baselineRss)
    const memoryRow = (name: string, values: number[]) =>
      `| ${name.padEnd(34)} | ${median(values).toFixed(1).padStart(9)} | ${Math.max(...values)
        .toFixed(1)
        .padStart(8)} |`
    console.log(`\npeak resident memory, ${MEMORY_RUNS} runs each (getrusage maxRSS at exit)`)
    console.log('| command                            | median MB |   max MB |')
    console.log('|------------------------------------|----------:|---------:|')
    console.log(memoryRow('docker-credential-atcr get', getRss))
    console.log(memoryRow('bare node: read stdin, print JSON', baselineRss))
    const memoryVerdict = memoryRatio <= TARGET_RATIO ? 'PASS' : 'FAIL'
    console.log(
      `get / baseline (medians): ${memoryRatio.toFixed(2)}× — target ≤ ${TARGET_RATIO}× — ${memoryVerdict}`,
    )
    process.exitCode = ratio <= TARGET_RATIO && memoryRatio <= TARGET_RATIO ? 0 : 1
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
}

if (process.env.ATCR_BENCH_CHILD) {
  measure()
} else {
  // Re-run this script as a process whose command line is the docker one, so `get` resolves from it.
  const [program, ...clientArgs] = CLIENT_ARGV
  const result = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), ...clientArgs, ...process.argv.slice(2)],
    {
      argv0: program,
      env: {...process.env, ATCR_BENCH_CHILD: '1'},
      stdio: 'inherit',
    },
  )
  process.exitCode = result.status ?? 1
}
