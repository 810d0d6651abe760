/**
 * The people side of the helper — every command, hook and the help class, with @oclif/core — as one
 * script, dist/people.cjs (scripts/bundle.ts), compiled with a V8 code cache of the functions a command
 * ran, kept in the user's compile-cache directory (the one bin/run.js gives Node.js). The files oclif
 * loads by path (dist/commands/*.js, dist/hooks/*.js, dist/help.js, …) are ES modules that take their
 * exports from here, so that all of them share one copy of oclif and of the project's modules.
 *
 * Why not Node.js's own compile cache: it holds only what V8 compiles up front, and V8 compiles a
 * function when it first runs; a people command runs some hundreds of them (oclif loading its config,
 * plugins and manifests, parsing, hooks), which cost more than anything else the helper does.
 * `Script#createCachedData()` after a run holds those too. V8 checks a cache against its own version and
 * flags and the source's length only (see cacheFileName), and compiles afresh when it does not match; the
 * cache is then written again.
 */
import {readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {getCompileCacheDir} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {Script} from 'node:vm'

import {peopleScriptId, runPeopleScript, wrapPeopleScript} from './people-script-wrapper.ts'

const file = fileURLToPath(new URL('../../people.cjs', import.meta.url))
const source = readFileSync(file, 'utf8')
const cacheDirectory = getCompileCacheDir()
const cacheFile = cacheDirectory && path.join(cacheDirectory, cacheFileName(source))

/**
 * The cache of exactly this script. V8 accepts cached code for any source of the same length, so a cache
 * under a plain name would run the old code of an update whose script kept its length (or of another
 * install beside this one): the name carries the script's SHA-256, which the build wrote in its last line,
 * and its modification time, which changes if anyone edits the file by hand.
 */
function cacheFileName(text: string): string {
  const id = peopleScriptId(text) ?? 'unbuilt'
  return `people-${id.slice(0, 32)}-${Math.trunc(statSync(file).mtimeMs)}.v8`
}

let cachedData: Buffer | undefined
try {
  if (cacheFile) cachedData = readFileSync(cacheFile)
} catch {
  // None yet: this run writes it.
}

const script = new Script(wrapPeopleScript(source), {
  filename: file,
  lineOffset: -1, // the wrapper's first line
  cachedData,
})
const modules = runPeopleScript(script.runInThisContext(), file, (specifier) => import(specifier))

/** The exports of a module of the script, by its path in dist/ without `.js`: `commands/version`. */
export function peopleModule(name: string): Record<string, unknown> {
  const load = modules[name]
  if (!load) throw new Error(`dist/people.cjs has no module ${name}: run "npm run build"`)
  return load()
}

// Write the code cache when there was none or V8 refused it, once the command has run, so that it holds
// the functions that command needed. Failing to write (a read-only home, a full disk) changes nothing.
if (cacheFile && (!cachedData || script.cachedDataRejected)) {
  process.once('beforeExit', () => {
    const temporary = `${cacheFile}.${process.pid}`
    try {
      writeFileSync(temporary, script.createCachedData(), {mode: 0o600})
      renameSync(temporary, cacheFile)
      forgetOtherCaches(path.dirname(cacheFile), path.basename(cacheFile))
    } catch {
      rmSync(temporary, {force: true}) // the next run tries again
    }
  })
}

/** Caches of earlier builds of the script (an update, a rebuild) are never read again. */
function forgetOtherCaches(directory: string, keep: string): void {
  for (const name of readdirSync(directory)) {
    if (name !== keep && name.startsWith('people-') && name.endsWith('.v8'))
      rmSync(path.join(directory, name), {force: true})
  }
}
