/**
 * `npm run bench [-- --runs N]`: the npm-install bench (scripts/bench.ts) and the tarball-install bench
 * (scripts/bench-release.ts), each given the same arguments (npm would append them to the last command of
 * a chained script only). Exit 1 when either misses a gate.
 */
import {spawnSync} from 'node:child_process'
import path from 'node:path'

import {REPO} from './common.ts'

const args = process.argv.slice(2)
let failed = false
for (const [script, env] of [
  ['bench.ts', {}],
  ['bench-release.ts', {ATCR_RELEASE_BUILD: '0'}], // npm run bench has built already
] as const) {
  const run = spawnSync(process.execPath, [path.join(REPO, 'scripts', script), ...args], {
    stdio: 'inherit',
    env: {...process.env, ...env},
  })
  if (run.status !== 0) failed = true
}
process.exitCode = failed ? 1 : 0
