/**
 * Node.js's compile cache for the helper's own code (Docker starts the helper for every pull and push), in
 * this user's cache directory and only when it is private (./private-directory.ts): Node.js's default is
 * one directory in /tmp shared by every user, and whoever can write into a compile cache decides what code
 * the helper runs.
 *
 * Built on its own into dist/lib/cli/compile-cache.js (scripts/bundle.ts), which bin/run.js loads before
 * anything it would cache; for node14 like dist/entry.js, so that an old Node.js reaches the version check.
 */
import {enableCompileCache} from 'node:module'
import {homedir} from 'node:os'
import path from 'node:path'

import {envFlag} from '../env-flag.ts'
import {privateDirectory} from './private-directory.ts'

/** `$XDG_CACHE_HOME/atcr/compile-cache` when absolute, else `~/.cache/atcr/compile-cache`. */
export function compileCacheDirectory(env: NodeJS.ProcessEnv, home: string): string {
  const xdg = env.XDG_CACHE_HOME
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.cache'), 'atcr', 'compile-cache')
}

export function startCompileCache(env: NodeJS.ProcessEnv, stderr: NodeJS.WritableStream): void {
  if (!enableCompileCache) return // Node.js before 22.1
  const cache = privateDirectory(compileCacheDirectory(env, homedir()))
  if ('directory' in cache) enableCompileCache(cache.directory)
  else if (envFlag(env, 'ATCR_DEBUG')) stderr.write(`atcr: no compile cache: ${cache.refused}\n`)
}
