/**
 * What `npm run bench`'s two scripts share (scripts/bench.ts: the npm install and the gates of issue 9;
 * scripts/bench-release.ts: the tarball install): the scenario, its expected answer and the statistics.
 */
import {spawnSync} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** `get` may take at most this many times a bare Node script's time (and memory). */
export const TARGET_RATIO = 1.3
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
/** The client command line `get` reads its parent's identity from. */
export const CLIENT_ARGV = ['docker', 'push', 'atcr.io/alice.bsky.social/app:latest']
export const ALICE = {
  handle: 'alice.bsky.social',
  did: 'did:plc:alice',
  device_secret: 'atcr_device_bench_alice',
}
export const BOB = {handle: 'bob.example.com', did: 'did:plc:bob', device_secret: 'atcr_device_bench_bob'}
export const EXPECTED = `${JSON.stringify({ServerURL: 'atcr.io', Username: ALICE.handle, Secret: ALICE.device_secret})}\n`

export function runsFromArgs(): number {
  const index = process.argv.indexOf('--runs')
  return index === -1 ? 60 : Number(process.argv[index + 1])
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/**
 * Run `measure` in a process whose command line is the docker one (CLIENT_ARGV), so that the `get`s it
 * starts resolve the account from their parent's command line: the script re-runs itself under it once.
 */
export async function underClientCommandLine(scriptUrl: string, measure: () => Promise<void>): Promise<void> {
  if (process.env.ATCR_BENCH_CHILD) return measure()
  const [program, ...clientArgs] = CLIENT_ARGV
  const result = spawnSync(
    process.execPath,
    [fileURLToPath(scriptUrl), ...clientArgs, ...process.argv.slice(2)],
    {
      argv0: program,
      env: {...process.env, ATCR_BENCH_CHILD: '1'},
      stdio: 'inherit',
    },
  )
  process.exitCode = result.status ?? 1
}
