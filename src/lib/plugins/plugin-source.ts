/**
 * What `plugins install` was given, when it is a path on this machine: @oclif/plugin-plugins reads any
 * word with a `/` as a GitHub `owner/repo` (`/tmp/x.tgz` became `https://github.com//tmp/x.tgz` and
 * failed after 71 s with npm's internals) and any other word as an npm name (`x.tgz`). npm itself takes a
 * path that starts with `/`, `./`, `../` or `~/`, or ends in `.tgz`/`.tar.gz`, as a local one; so do we,
 * and hand npm `file:<absolute path>`, the spelling it never mistakes.
 */
import {existsSync} from 'node:fs'
import path from 'node:path'

import {PersonFacingError} from '../errors/person-facing-error.ts'

/** The absolute path `input` names when it is a local path, else undefined (an npm name or a URL). */
export function localPluginPath(input: string, cwd: string, home: string): string | undefined {
  if (input.includes('://') || input.startsWith('file:') || input.startsWith('git+')) return undefined
  if (input === '~' || input.startsWith('~/')) return path.join(home, input.slice(1))
  const local =
    path.isAbsolute(input) ||
    input === '.' ||
    input === '..' ||
    input.startsWith('./') ||
    input.startsWith('../') ||
    /\.(?:tgz|tar\.gz)$/i.test(input)
  return local ? path.resolve(cwd, input) : undefined
}

/** `file:<absolute path>` for npm, once the path is known to exist. */
export function localPluginSpec(absolute: string, exists: (file: string) => boolean = existsSync): string {
  if (!exists(absolute)) throw new PersonFacingError(`${absolute} does not exist. Nothing was installed.`)
  return `file:${absolute}`
}
