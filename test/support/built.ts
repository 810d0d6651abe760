/**
 * The suites that spawn the built CLI (faults, e2e) do not build it: `npm test` builds once, and a
 * suite run on its own says what to run when dist/ is missing or older than src/.
 */
import {existsSync, readdirSync, statSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

function newestMtimeMs(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, {withFileTypes: true, recursive: true})) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

/** Why dist/ cannot be tested as it is, or undefined when it is built from the current src/. */
export function notBuiltReason(repo = REPO): string | undefined {
  const entry = path.join(repo, 'dist', 'entry.js')
  if (!existsSync(entry)) return 'dist/ is missing: run "npm run build" first'
  if (newestMtimeMs(path.join(repo, 'src')) > statSync(entry).mtimeMs)
    return 'dist/ is older than src/: run "npm run build" first'
  return undefined
}
