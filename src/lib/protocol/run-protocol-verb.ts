/**
 * The process boundary of the protocol verbs: read stdin (with a size cap, refusing a terminal), run
 * the verb, write stdout exactly, and turn every error into one line on stdout with exit code 1.
 *
 * The lean path Docker takes (src/entry.ts), `get` with trusted plugins and the hidden oclif commands
 * all end up here, so they can never disagree. Keep imports light: this module is on the path of every
 * pull and push.
 */
import {homedir} from 'node:os'

import {describeAccountFileError} from '../config/account-file-errors.ts'
import {AccountFileError, accountFilePaths} from '../config/account-store.ts'
import {envFlag} from '../env-flag.ts'
import {systemProcessTable} from '../identity/parent-command-line.ts'
import {readInsecureRegistries} from '../registry/appview-url.ts'
import {InvalidServerAddressError} from '../registry/server-address.ts'
import {InputTooLargeError, readCapped} from '../stdin/read-capped.ts'
import {BIN} from './messages.ts'
import {processInput, processOutput, type ProtocolInput, type TextSink} from './process-streams.ts'
import {redactSecrets} from '../text/redact-secrets.ts'
import {isProtocolVerb, PROTOCOL_VERBS, type ProtocolVerb} from './verb-names.ts'
import {
  eraseCredentials,
  getCredentials,
  type GetResolver,
  listCredentials,
  type ProtocolContext,
  ProtocolInputError,
  type ProtocolResult,
  storeCredentials,
} from './verbs.ts'

export {isProtocolVerb, PROTOCOL_VERBS, type ProtocolVerb} from './verb-names.ts'

/** More than any real request (a host, or a JSON object with a device secret) by orders of magnitude. */
export const MAX_INPUT_BYTES = 64 * 1024

export interface ProtocolIo {
  /** Read only by get, store and erase, after `isTTY` said no person is typing. */
  readonly stdin: ProtocolInput
  stdout: TextSink
  stderr: TextSink
  env: NodeJS.ProcessEnv
  homedir: string
  parentPid: number
  platform: NodeJS.Platform
}

/** This process's streams, on their file descriptors where that is safe (process-streams.ts). */
export function processIo(): ProtocolIo {
  let stdin: ProtocolInput | undefined
  return {
    // Looked at only by the verbs that read it: `list` never does.
    get stdin() {
      return (stdin ??= processInput(process.platform))
    },
    stdout: processOutput(1, () => process.stdout),
    stderr: processOutput(2, () => process.stderr),
    env: process.env,
    homedir: homedir(),
    parentPid: process.ppid,
    platform: process.platform,
  }
}

const VERB_USAGE: Record<ProtocolVerb, string> = {
  get: 'reads a registry host on stdin and prints the credentials for it as JSON on stdout',
  store: 'reads {"ServerURL","Username","Secret"} JSON on stdin and saves an ATCR device secret',
  erase: 'reads a registry host on stdin and removes its active account',
  list: 'prints {"<host>": "<handle>"} for every registry',
}

/** What a client would run, as a person can try it. */
const VERB_EXAMPLE: Record<ProtocolVerb, string> = {
  get: `printf atcr.io | ${BIN} get`,
  store: `printf '{"ServerURL":"atcr.io","Username":"alice.bsky.social","Secret":"atcr_device_…"}' | ${BIN} store`,
  erase: `printf atcr.io | ${BIN} erase`,
  list: `${BIN} list`,
}

/** What a person who typed a protocol verb at a terminal sees instead of a helper waiting for input. */
export function terminalUsage(verb: ProtocolVerb): string {
  return [
    `${BIN} ${verb} ${VERB_USAGE[verb]}.`,
    'Container clients (docker, podman, skopeo, buildah) run it for you over a pipe; it is not meant to be typed.',
    '',
    `  $ ${VERB_EXAMPLE[verb]}`,
    '',
    `Sign in with:   ${BIN} login`,
    `See accounts:   ${BIN} status`,
    `All commands:   ${BIN} --help`,
    '',
  ].join('\n')
}

/** The text a client piped in: at most MAX_INPUT_BYTES of UTF-8. */
async function readInput(stdin: ProtocolInput): Promise<string> {
  let bytes: Buffer
  try {
    bytes = await readCapped(stdin, MAX_INPUT_BYTES)
  } catch (error) {
    if (!(error instanceof InputTooLargeError)) throw error
    throw new ProtocolInputError(`${error.message}; expected a registry host or one JSON object`)
  }
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(bytes)
  } catch {
    throw new ProtocolInputError('input is not valid UTF-8 text; expected a registry host or one JSON object')
  }
}

/** ATCR_DEBUG: on unless unset or written as off (src/lib/env-flag.ts). */
export function isDebug(env: NodeJS.ProcessEnv): boolean {
  return envFlag(env, 'ATCR_DEBUG')
}

function contextFor(io: ProtocolIo): ProtocolContext {
  const debug = isDebug(io.env)
  const daemonEnvironment = {env: io.env, homedir: io.homedir, platform: io.platform}
  return {
    paths: accountFilePaths(io.env, io.homedir),
    env: io.env,
    parentPid: io.parentPid,
    processTable: systemProcessTable(io.platform),
    insecureRegistries: () => readInsecureRegistries(daemonEnvironment),
    note: (line) => io.stderr.write(`${redactSecrets(line)}\n`),
    explain: debug ? (line) => io.stderr.write(`atcr: ${redactSecrets(line)}\n`) : () => {},
    explaining: debug,
  }
}

function errorLine(error: unknown): string {
  if (error instanceof ProtocolInputError) return error.message
  if (error instanceof InvalidServerAddressError) return error.message
  if (error instanceof AccountFileError) return describeAccountFileError(error, {audience: 'protocol'})
  return `${BIN}: ${(error as Error)?.message ?? String(error)}`
}

export interface ProtocolVerbOptions {
  /** How `get` chooses the account (default: the built-in rules); get-with-plugins.ts adds trusted plugins. */
  resolveGet?: GetResolver
}

/**
 * Run one protocol verb against real stdin/stdout; resolves to the process exit code. A word that is not
 * a protocol verb fails with one line: it never falls to some verb's behaviour.
 */
export async function runProtocolVerb(
  verb: string,
  io: ProtocolIo = processIo(),
  options: ProtocolVerbOptions = {},
): Promise<number> {
  let result: ProtocolResult
  try {
    if (!isProtocolVerb(verb)) {
      throw new ProtocolInputError(
        `${BIN}: ${JSON.stringify(verb.slice(0, 40))} is not a protocol verb (${PROTOCOL_VERBS.join(', ')})`,
      )
    }
    if (verb === 'list') {
      result = listCredentials(contextFor(io)) // stdin carries the word "unused": not read
    } else if (io.stdin.isTTY) {
      io.stderr.write(terminalUsage(verb))
      return 1
    } else {
      const input = await readInput(io.stdin)
      const context = contextFor(io)
      if (verb === 'get') result = await getCredentials(input, context, options.resolveGet)
      else if (verb === 'store') result = await storeCredentials(input, context)
      else result = await eraseCredentials(input, context)
    }
  } catch (error) {
    result = {stdout: `${errorLine(error).replaceAll(/\s*\n\s*/g, ' ')}\n`, exitCode: 1}
  }
  try {
    // Only a successful get carries a secret on purpose; an error line never does.
    io.stdout.write(result.exitCode === 0 ? result.stdout : redactSecrets(result.stdout))
  } catch {
    return 1 // stdout is closed (EPIPE): the answer never reached the client
  }
  return result.exitCode
}
