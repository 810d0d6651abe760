/**
 * The process boundary of the protocol verbs: read stdin (with a size cap, refusing a terminal), run
 * the verb, write stdout exactly, and turn every error into one line on stdout with exit code 1.
 *
 * Both bin/run.js (the lean path Docker takes) and the hidden oclif commands end up here, so the two
 * can never disagree. Keep imports light: this module is on the path of every pull and push.
 */
import {homedir} from 'node:os'

import {describeAccountFileError} from '../config/account-file-errors.ts'
import {AccountFileError, accountFilePaths} from '../config/account-store.ts'
import {systemProcessTable} from '../identity/parent-command-line.ts'
import type {PluginChoice} from '../identity/resolve-account.ts'
import {readInsecureRegistries} from '../registry/appview-url.ts'
import {InvalidServerAddressError} from '../registry/server-address.ts'
import {BIN} from './messages.ts'
import {
  eraseCredentials,
  getCredentials,
  listCredentials,
  type ProtocolContext,
  ProtocolInputError,
  type ProtocolResult,
  storeCredentials,
} from './verbs.ts'

export const PROTOCOL_VERBS = ['get', 'store', 'erase', 'list'] as const
export type ProtocolVerb = (typeof PROTOCOL_VERBS)[number]

/** More than any real request (a host, or a JSON object with a device secret) by orders of magnitude. */
export const MAX_INPUT_BYTES = 64 * 1024

export interface ProtocolIo {
  stdin: NodeJS.ReadableStream & {isTTY?: boolean}
  stdout: {write(text: string): unknown}
  stderr: {write(text: string): unknown}
  env: NodeJS.ProcessEnv
  homedir: string
  parentPid: number
  platform: NodeJS.Platform
  /** The account a trusted plugin named; only get-with-plugins.ts sets it. */
  pluginChoice?: PluginChoice
}

export function processIo(): ProtocolIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
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

class InputTooLargeError extends Error {}

async function readInput(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += buffer.length
    if (size > MAX_INPUT_BYTES)
      throw new InputTooLargeError(
        `input is larger than ${MAX_INPUT_BYTES} bytes; expected a registry host or one JSON object`,
      )
    chunks.push(buffer)
  }
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(Buffer.concat(chunks))
  } catch {
    throw new ProtocolInputError('input is not valid UTF-8 text; expected a registry host or one JSON object')
  }
}

/** ATCR_DEBUG is on unless unset or written as off (0, false, no, off), like ATCR_SESSION_CHECK. */
export function isDebug(env: NodeJS.ProcessEnv): boolean {
  const value = (env.ATCR_DEBUG ?? '').trim().toLowerCase()
  return !['', '0', 'false', 'no', 'off'].includes(value)
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
    note: (line) => io.stderr.write(`${line}\n`),
    explain: debug ? (line) => io.stderr.write(`atcr: ${line}\n`) : () => {},
    pluginChoice: io.pluginChoice,
  }
}

function errorLine(error: unknown): string {
  if (error instanceof ProtocolInputError || error instanceof InputTooLargeError) return error.message
  if (error instanceof InvalidServerAddressError) return error.message
  if (error instanceof AccountFileError) return describeAccountFileError(error, {audience: 'protocol'})
  return `${BIN}: ${(error as Error)?.message ?? String(error)}`
}

/** Run one protocol verb against real stdin/stdout; resolves to the process exit code. */
export async function runProtocolVerb(verb: ProtocolVerb, io: ProtocolIo = processIo()): Promise<number> {
  let result: ProtocolResult
  try {
    if (verb === 'list') {
      result = listCredentials(contextFor(io)) // stdin carries the word "unused": not read
    } else if (io.stdin.isTTY) {
      io.stderr.write(terminalUsage(verb))
      return 1
    } else {
      const input = await readInput(io.stdin)
      const context = contextFor(io)
      result =
        verb === 'get'
          ? await getCredentials(input, context)
          : verb === 'store'
            ? storeCredentials(input, context)
            : eraseCredentials(input, context)
    }
  } catch (error) {
    result = {stdout: `${errorLine(error).replaceAll(/\s*\n\s*/g, ' ')}\n`, exitCode: 1}
  }
  io.stdout.write(result.stdout)
  return result.exitCode
}
