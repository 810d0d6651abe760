/**
 * How dist/people.cjs runs, for src/lib/cli/people-script.ts and for scripts/bundle.ts (which reads each
 * module's export names from it): in a function with CommonJS's parameters and two of its own, which
 * the bundle makes the script's code use.
 */
import {createRequire} from 'node:module'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

/** Each import() of the script calls this instead (a script compiled by node:vm has no import()). */
export const SCRIPT_IMPORT = '__import'
/** import.meta.url of every module of the script: the script's own URL. */
export const SCRIPT_URL = '__scriptUrl'

/**
 * The script's last line: this, then the SHA-256 of the rest, written by the build. The code cache is
 * kept under it (people-script.ts): V8 checks a cache only against the source's length, so a cache must
 * never be offered to a script it was not made from.
 */
export const PEOPLE_SCRIPT_ID = '//# people-script-sha256='

/** The content id of a script's source (its last line), or undefined when it has none. */
export function peopleScriptId(source: string): string | undefined {
  const at = source.lastIndexOf(PEOPLE_SCRIPT_ID)
  if (at === -1) return undefined
  const id = source.slice(at + PEOPLE_SCRIPT_ID.length).trim()
  return /^[0-9a-f]{64}$/.test(id) ? id : undefined
}

/** A function per module of the script, by its path in dist/ without `.js`, that loads it. */
export type PeopleModules = Record<string, () => Record<string, unknown>>

export function wrapPeopleScript(source: string): string {
  return `(function (exports, require, module, __filename, __dirname, ${SCRIPT_IMPORT}, ${SCRIPT_URL}) {\n${source}\n})`
}

/**
 * Call the compiled wrapper of the script at `file`. A relative import() resolves against the script, as
 * it would in an ES module in its place; `importModule` is the caller's own import().
 */
export function runPeopleScript(
  wrapper: unknown,
  file: string,
  importModule: (specifier: string) => Promise<unknown>,
): PeopleModules {
  const url = pathToFileURL(file).href
  const loaded = {exports: {}}
  ;(wrapper as (...args: unknown[]) => void)(
    loaded.exports,
    createRequire(file),
    loaded,
    file,
    path.dirname(file),
    (specifier: string) => importModule(specifier.startsWith('.') ? new URL(specifier, url).href : specifier),
    url,
  )
  return loaded.exports as PeopleModules
}
