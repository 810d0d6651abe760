/**
 * Secrets at rest: the account file must be 0600 and its directory 0700. People commands warn (once,
 * on stderr) when either is open to the group or to others, naming the exact `chmod` that fixes it.
 * Protocol commands never warn: their stderr belongs to the container client.
 */
import {statSync} from 'node:fs'

import type {AccountFilePaths} from './account-store.ts'

export interface LooseMode {
  path: string
  /** Permission bits, e.g. 0o644. */
  mode: number
  /** The mode it should have: 0o600 for the file, 0o700 for the directory. */
  wanted: number
}

function permissions(target: string, stat: (file: string) => {mode: number}): number | undefined {
  try {
    return stat(target).mode & 0o777
  } catch {
    return undefined // missing or unreadable: nothing to warn about here
  }
}

/** The account file and/or its directory when group- or world-accessible; empty when all is well. */
export function looseModes(
  paths: Pick<AccountFilePaths, 'directory' | 'file'>,
  stat: (file: string) => {mode: number} = statSync,
): LooseMode[] {
  const found: LooseMode[] = []
  for (const [target, wanted] of [
    [paths.directory, 0o700],
    [paths.file, 0o600],
  ] as const) {
    const mode = permissions(target, stat)
    if (mode !== undefined && (mode & 0o077) !== 0) found.push({path: target, mode, wanted})
  }
  return found
}

const octal = (mode: number) => mode.toString(8).padStart(3, '0')

/** One warning line, with the command that fixes it; undefined when nothing is loose. */
export function looseModeWarning(loose: readonly LooseMode[]): string | undefined {
  if (loose.length === 0) return undefined
  const what = loose.map((item) => `${item.path} (mode ${octal(item.mode)})`).join(' and ')
  const fix = loose.map((item) => `chmod ${octal(item.wanted)} '${item.path.replaceAll("'", `'\\''`)}'`)
  return `Warning: ${what} can be read by other users of this machine, and it holds your device secrets. Fix it: ${fix.join(' && ')}`
}
