/**
 * @oclif/core, as people commands get it: dist/oclif.cjs (@oclif/core and its dependencies in one
 * script, scripts/bundle.ts) compiled with a V8 code cache of the functions the helper ran, kept in the
 * user's compile-cache directory (the one bin/run.js gives Node.js).
 *
 * Why not Node.js's own compile cache: it holds only what V8 compiles up front, and V8 compiles a
 * function when it first runs; oclif runs some hundred of them on every command (loading its config,
 * plugins and manifests, parsing, hooks), which cost more than anything else the helper does.
 * `Script#createCachedData()` after a run holds those too. V8 checks a cache against the source and its
 * own version and flags, and compiles afresh when it does not match; the cache is then written again.
 *
 * Only the bundle imports this module: every `@oclif/core` import there becomes a read of
 * `oclifModules` (scripts/bundle.ts), so that the commands, hooks and help share this one copy.
 */
import {readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire, getCompileCacheDir} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {Script} from 'node:vm'

// This module lies in a chunk beside oclif.cjs, in dist/ (scripts/bundle.ts checks).
const file = fileURLToPath(new URL('./oclif.cjs', import.meta.url))
const cacheDirectory = getCompileCacheDir()
const cacheFile = cacheDirectory && path.join(cacheDirectory, 'oclif-core.v8')

let cachedData: Buffer | undefined
try {
  if (cacheFile) cachedData = readFileSync(cacheFile)
} catch {
  // None yet: this run writes it.
}

const script = new Script(
  `(function (exports, require, module, __filename, __dirname, __import) {\n${readFileSync(file, 'utf8')}\n})`,
  {filename: file, lineOffset: -1, cachedData},
)
const loaded = {exports: {}}
// A script's own import() would need Node.js's experimental vm modules: the bundle's dynamic imports
// (oclif loading commands, hooks and plugins) call __import, this module's import() (scripts/bundle.ts).
;(script.runInThisContext() as (...args: unknown[]) => void)(
  loaded.exports,
  createRequire(file),
  loaded,
  file,
  path.dirname(file),
  (specifier: string) => import(specifier),
)

/** `'./command'` → @oclif/core/command, for each of @oclif/core's package exports; `'.'` is its index. */
export const oclifModules = loaded.exports as Record<string, () => Record<string, unknown>>

/**
 * Write the code cache when there was none or V8 refused it: after a command ran, so that it holds the
 * functions that command needed. Failing to write (a read-only home, a full disk) changes nothing.
 */
export function saveOclifCodeCache(): void {
  if (!cacheFile || (cachedData && !script.cachedDataRejected)) return
  const temporary = `${cacheFile}.${process.pid}`
  try {
    writeFileSync(temporary, script.createCachedData(), {mode: 0o600})
    renameSync(temporary, cacheFile)
  } catch {
    rmSync(temporary, {force: true}) // the next run tries again
  }
}
