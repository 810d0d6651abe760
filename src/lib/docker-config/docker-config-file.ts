/**
 * Docker's own configuration file, `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`), read
 * and written the way the Docker CLI does: a symlinked file is followed and its target rewritten, and
 * nothing of the file is lost — other keys, their order, the indentation style and the file's mode.
 * A file that is not a JSON object is never overwritten.
 */
import {chmodSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync} from 'node:fs'
import path from 'node:path'
import {isDeepStrictEqual} from 'node:util'

import {describeIoError} from '../config/account-store.ts'
import {writeFileAtomic} from '../config/atomic-write.ts'
import {describeJsonSyntaxError} from '../config/json-syntax-error.ts'
import {setTopLevelMember} from './top-level-json-edit.ts'

export class DockerConfigError extends Error {
  readonly file: string
  constructor(file: string, reason: string, options?: {cause?: unknown}) {
    super(`${file}: ${reason}`, options)
    this.name = 'DockerConfigError'
    this.file = file
  }
}

/** `$DOCKER_CONFIG/config.json`, default `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv, homedir: string): string {
  const directory = env.DOCKER_CONFIG ? path.resolve(env.DOCKER_CONFIG) : path.join(homedir, '.docker')
  return path.join(directory, 'config.json')
}

/** One indentation unit (`'\t'`, `'  '`, `'    '`), or `''` for a file written on one line. */
export type Indentation = string

export interface DockerConfigDocument {
  /** The path as given (possibly a symlink). */
  file: string
  /** Where the bytes really are and where a write goes: the symlink's final target. */
  target: string
  exists: boolean
  /** Parsed top level; `{}` for a missing or empty file. */
  config: Record<string, unknown>
  indentation: Indentation
  trailingNewline: boolean
  /** Permission bits of the existing file; undefined when it does not exist. */
  mode?: number
  /** The file's text as read (a BOM left out), so that a write changes only what changed. */
  text?: string
}

const MAX_SYMLINK_HOPS = 40

/** The nearest ancestor of `file` that exists but is not a directory (`DOCKER_CONFIG` set to a file). */
function fileInPlaceOfDirectory(file: string): string | undefined {
  for (let directory = path.dirname(file); directory !== path.dirname(directory);) {
    try {
      if (!statSync(directory).isDirectory()) return directory
    } catch {
      // Missing or unreadable: look further up.
    }
    directory = path.dirname(directory)
  }
  return undefined
}

/** Why reading `at` failed, in plain words. */
function describeReadError(error: unknown, at: string): string {
  if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') {
    const culprit = fileInPlaceOfDirectory(at)
    if (culprit !== undefined) return `${culprit} is a file, not a directory`
  }
  return describeIoError(error)
}

/** The final target of a chain of symlinks, even when that target does not exist yet (as Docker writes it). */
export function resolveSymlinkTarget(file: string): string {
  let current = path.resolve(file)
  for (let hop = 0; hop < MAX_SYMLINK_HOPS; hop++) {
    let isLink: boolean
    try {
      isLink = lstatSync(current).isSymbolicLink()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return current
      throw new DockerConfigError(file, `cannot read it: ${describeReadError(error, current)}`, {
        cause: error,
      })
    }
    if (!isLink) return current
    current = path.resolve(path.dirname(current), readlinkSync(current))
  }
  throw new DockerConfigError(file, `more than ${MAX_SYMLINK_HOPS} symbolic links in a row (a loop?)`)
}

/** The indentation unit of a JSON text: the leading whitespace of its first indented line. */
export function detectIndentation(text: string): Indentation {
  const firstIndented = /\n([ \t]+)\S/.exec(text)
  if (!firstIndented) return text.trim().includes('\n') ? '\t' : ''
  const leading = firstIndented[1]!
  return leading.startsWith('\t') ? '\t' : leading
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Read and parse; a corrupt file is a DockerConfigError naming it. Docker's default (tabs) for a new file. */
export function readDockerConfig(file: string): DockerConfigDocument {
  const target = resolveSymlinkTarget(file)
  let bytes: Buffer
  try {
    bytes = readFileSync(target)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return {file, target, exists: false, config: {}, indentation: '\t', trailingNewline: true}
    }
    throw new DockerConfigError(file, `cannot read it: ${describeReadError(error, target)}`, {cause: error})
  }
  const mode = statSync(target).mode & 0o7777
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '')
  if (text.trim() === '') {
    return {file, target, exists: true, config: {}, indentation: '\t', trailingNewline: true, mode}
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    // Never Node's own message: it quotes the text around the error, often a base64 `auth` credential.
    throw new DockerConfigError(file, `not valid JSON (${describeJsonSyntaxError(error)})`, {cause: error})
  }
  if (!isObject(parsed)) throw new DockerConfigError(file, 'the top level is not a JSON object')
  return {
    file,
    target,
    exists: true,
    config: parsed,
    indentation: detectIndentation(text),
    trailingNewline: text.endsWith('\n'),
    mode,
    text,
  }
}

/**
 * The document's config as text. With the file's text at hand and only `changedKey` changed, that key's
 * value is edited in place and every other byte kept (a compact `"auths": {…}` stays compact);
 * otherwise the whole config in the file's indentation.
 */
export function serializeDockerConfig(
  document: Pick<DockerConfigDocument, 'config' | 'indentation' | 'trailingNewline' | 'text'>,
  changedKey?: string,
): string {
  if (document.text !== undefined && changedKey !== undefined) {
    const edited = setTopLevelMember(
      document.text,
      changedKey,
      document.config[changedKey],
      document.indentation,
    )
    // Kept only when it reads back as exactly the intended config.
    if (edited !== undefined && isDeepStrictEqual(JSON.parse(edited), document.config)) return edited
  }
  const text = JSON.stringify(document.config, null, document.indentation || undefined)
  return document.trailingNewline ? `${text}\n` : text
}

/**
 * Write the document's config to its target atomically. A new file is 0600 in a directory created 0700;
 * an existing file keeps its mode.
 */
export function writeDockerConfig(document: DockerConfigDocument, changedKey?: string): void {
  const mode = document.mode ?? 0o600
  try {
    mkdirSync(path.dirname(document.target), {recursive: true, mode: 0o700})
    writeFileAtomic(document.target, serializeDockerConfig(document, changedKey), mode)
  } catch (error) {
    throw new DockerConfigError(
      document.file,
      `cannot save it: ${describeIoError(error)}; the previous file is unchanged`,
      {cause: error},
    )
  }
  // The temporary file was created through the umask; give the result exactly the old mode.
  try {
    if ((statSync(document.target).mode & 0o7777) !== mode) chmodSync(document.target, mode)
  } catch (error) {
    throw new DockerConfigError(
      document.file,
      `saved, but could not set its mode back to ${mode.toString(8)}: ${describeIoError(error)}`,
      {cause: error},
    )
  }
}
