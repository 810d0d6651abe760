/**
 * The tarball-install row of `npm run bench`: `get` through the launcher install.sh writes (which runs the
 * release's own Node.js) against a bare Node script that reads stdin and prints the same JSON, with the
 * same gate as scripts/bench.ts (median ratio ≤ 1.3×). The npm install's `get` (bin/run.js under this
 * Node.js) is timed in the same rounds, for comparison.
 *
 * It cuts a release for this machine's platform (signed with a throwaway key) into a temporary
 * directory, serves it on 127.0.0.1 and installs it with the real install.sh, so the figures are those of
 * an installed copy. Same set-up as scripts/bench.ts: two accounts on atcr.io with none active, the
 * parent's command line `docker push atcr.io/alice.bsky.social/app:latest` chooses, and a fresh session
 * cache entry, so no network request is made.
 *
 * Usage: node scripts/bench-release.ts [--runs 60]   (ATCR_RELEASE_BUILD=0 skips the build)
 */
import {spawn, spawnSync} from 'node:child_process'
import {generateKeyPairSync} from 'node:crypto'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {arch, tmpdir} from 'node:os'
import path from 'node:path'

import {remember, sessionCacheKey, sessionCachePath} from '../src/lib/session-check/session-cache.ts'
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

const NPM_CLI = path.join(REPO, 'bin', 'run.js')

function timeOnce(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint()
  const result = spawnSync(command, args, {input: 'atcr.io', env, encoding: 'utf8'})
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== 0 || result.stdout !== EXPECTED) {
    const debug = spawnSync(command, args, {
      input: 'atcr.io',
      env: {...env, ATCR_DEBUG: '1'},
      encoding: 'utf8',
    })
    throw new Error(
      `unexpected answer from ${command} ${args.join(' ')}: exit ${result.status}, stdout ${JSON.stringify(result.stdout)}, stderr ${result.stderr}; with ATCR_DEBUG=1: ${debug.stderr}`,
    )
  }
  return elapsed
}

/** Cut a signed release for this platform, serve it, install it with install.sh; the launcher's path. */
async function installRelease(root: string): Promise<{launcher: string; node: string; sizes: string}> {
  const {privateKey} = generateKeyPairSync('ed25519')
  const keyFile = path.join(root, 'key.pem')
  writeFileSync(keyFile, privateKey.export({type: 'pkcs8', format: 'pem'}), {mode: 0o600})
  const releaseDir = path.join(root, 'release')
  const platformTarget = `${process.platform}-${arch()}`
  const release = spawnSync(
    process.execPath,
    [path.join(REPO, 'scripts', 'release.ts'), '--targets', platformTarget],
    {
      cwd: REPO,
      encoding: 'utf8',
      env: {...process.env, ATCR_RELEASE_DIR: releaseDir, ATCR_RELEASE_KEY: keyFile},
    },
  )
  if (release.status !== 0) throw new Error(`release failed:\n${release.stderr}`)
  const server = createServer((request, response) => {
    try {
      const file = path.join(releaseDir, path.normalize(new URL(request.url ?? '/', 'http://x').pathname))
      response.end(readFileSync(file))
    } catch {
      response.statusCode = 404
      response.end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const prefix = path.join(root, 'prefix')
  const install = await spawnAsync(
    'sh',
    [path.join(releaseDir, 'install.sh'), '--prefix', prefix, '--host', host],
    {
      ...process.env,
      HOME: root,
    },
  )
  server.close()
  if (install.status !== 0) throw new Error(`install.sh failed:\n${install.stderr}`)
  return {
    launcher: path.join(prefix, 'bin', 'docker-credential-atcr'),
    node: path.join(root, '.local', 'share', 'atcr', 'client', 'current', 'bin', 'node'),
    sizes: release.stdout.trim(),
  }
}

/** spawn without blocking the event loop (the release host answers from this process). */
async function spawnAsync(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{status: number | null; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {env, stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
    child.on('close', (status) => resolve({status, stderr}))
  })
}

async function measure(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'atcr-bench-release-'))
  try {
    const {launcher, node, sizes} = await installRelease(root)
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
    // No node on PATH for the installed copy: it must use its own.
    const env = {
      PATH: '/usr/bin:/bin',
      HOME: root,
      ATCR_CONFIG_DIR: configDir,
      DOCKER_CONFIG: path.join(root, '.docker'),
    }
    const sides: Array<{name: string; command: string; args: string[]; times: number[]}> = [
      {name: 'tarball install: get (install.sh launcher)', command: launcher, args: ['get'], times: []},
      {name: 'npm install: get (bin/run.js)', command: process.execPath, args: [NPM_CLI, 'get'], times: []},
      {name: 'bare node (bundled): read stdin, print JSON', command: node, args: [baseline], times: []},
    ]
    for (let warm = 0; warm < 5; warm++) for (const side of sides) timeOnce(side.command, side.args, env)
    const runs = runsFromArgs()
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? sides : [...sides].reverse() // neither side always on a warmer machine
      for (const side of order) side.times.push(timeOnce(side.command, side.args, env))
    }
    const cache = JSON.parse(readFileSync(sessionCachePath(configDir), 'utf8')) as {unreachable: object}
    if (Object.keys(cache.unreachable).length > 0)
      throw new Error('get missed the session cache: the figures would include a network attempt')

    console.log(`release (target, bytes, Node.js):\n${sizes}`)
    console.log(`${runs} runs each, alternating; parent: ${CLIENT_ARGV.join(' ')}`)
    console.log('| command                                       | median ms |   p90 ms |   min ms |')
    console.log('|-----------------------------------------------|----------:|---------:|---------:|')
    for (const side of sides)
      console.log(
        `| ${side.name.padEnd(45)} | ${median(side.times).toFixed(1).padStart(9)} | ${percentile(
          side.times,
          90,
        )
          .toFixed(1)
          .padStart(8)} | ${Math.min(...side.times)
          .toFixed(1)
          .padStart(8)} |`,
      )
    const [tarball, npm, bare] = sides.map((side) => median(side.times)) as [number, number, number]
    const ratio = tarball / bare
    console.log(`tarball get / npm get (medians): ${(tarball / npm).toFixed(2)}×`)
    console.log(
      `tarball get / bare node (medians): ${ratio.toFixed(2)}× — target ≤ ${TARGET_RATIO}× — ${ratio <= TARGET_RATIO ? 'PASS' : 'FAIL'}`,
    )
    process.exitCode = ratio <= TARGET_RATIO ? 0 : 1
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
}

await underClientCommandLine(import.meta.url, measure)
