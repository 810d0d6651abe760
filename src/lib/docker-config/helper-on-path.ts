/**
 * Will Docker find and start this helper? Docker runs `docker-credential-atcr` by name, so it must be on
 * the PATH Docker inherits, and its `#!/usr/bin/env node` shebang starts whichever `node` comes first on
 * that PATH, which must have what the helper needs (src/lib/node-floor.ts). Some installers put a shell wrapper there instead
 * (`#!/bin/sh` … `exec "/path/to/node" ".../run.js" "$@"`): its node is read from the exec line when
 * that line names it literally; otherwise the check says it cannot tell, rather than asking the shell
 * for a Node.js version. Everything the check touches is injectable.
 */
import {execFile} from 'node:child_process'
import {accessSync, constants, closeSync, openSync, readSync} from 'node:fs'
import path from 'node:path'

import {NODE_FLOOR_TEXT, nodeMeetsFloor} from '../node-floor.ts'
import {BIN} from '../product.ts'
import {runsItsOwnNode} from '../update/install-kind.ts'

export const HELPER_COMMAND = BIN

export interface HelperCheckEnvironment {
  /** The environment Docker will run with; PATH (and PATHEXT on Windows) are read. */
  env: NodeJS.ProcessEnv
  platform: NodeJS.Platform
  /** The Node.js running this command (process.execPath): a known-good one to suggest. */
  runningNode: string
  isExecutable?: (file: string) => boolean
  /** The first bytes of a file (up to 4 KB): its shebang line and, for a wrapper, its exec line. */
  readHead?: (file: string) => string
  /** Version (`24.1.0`) printed by `<node> -p process.versions.node`; rejects on failure or timeout. */
  nodeVersionOf?: (node: string, env: NodeJS.ProcessEnv) => Promise<string>
}

export interface HelperCheck {
  /** Where Docker will find the helper, if it will. */
  helperPath?: string
  /** The Node.js the helper will start, if it could be told. */
  node?: string
  nodeVersion?: string
  /** Set when the helper is a wrapper whose Node.js could not be told: nothing was checked. */
  note?: string
  ok: boolean
  /** Each says what is wrong and exactly how to fix it. */
  problems: string[]
}

function defaultIsExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function defaultReadHead(file: string): string {
  const fd = openSync(file, 'r')
  try {
    const buffer = Buffer.alloc(4096)
    const length = readSync(fd, buffer, 0, buffer.length, 0)
    return buffer.subarray(0, length).toString('utf8')
  } finally {
    closeSync(fd)
  }
}

export function defaultNodeVersionOf(node: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      node,
      ['-p', 'process.versions.node'],
      {env, timeout: 5000, windowsHide: true},
      (error, stdout) => {
        if (error) reject(error)
        else resolve(stdout.trim())
      },
    )
  })
}

function pathEntries(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string[] {
  const value = env.PATH ?? env.Path ?? ''
  const delimiter = platform === 'win32' ? ';' : ':'
  return value.split(delimiter).filter((entry) => entry !== '')
}

/** The first `name` on PATH, as a shell would find it (no process is spawned). */
export function findOnPath(
  name: string,
  environment: Pick<HelperCheckEnvironment, 'env' | 'platform' | 'isExecutable'>,
): string | undefined {
  const isExecutable = environment.isExecutable ?? defaultIsExecutable
  const join = environment.platform === 'win32' ? path.win32.join : path.posix.join
  const extensions =
    environment.platform === 'win32'
      ? ['', ...(environment.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)]
      : ['']
  for (const directory of pathEntries(environment.env, environment.platform)) {
    for (const extension of extensions) {
      const candidate = join(directory, name + extension)
      if (isExecutable(candidate)) return candidate
    }
  }
  return undefined
}

/** The interpreter a shebang line names: `/usr/bin/env node` → `{viaPath: 'node'}`. */
export function parseShebang(head: string): {viaPath: string} | {absolute: string} | undefined {
  if (!head.startsWith('#!')) return undefined
  const words = head.slice(2).split('\n')[0]!.trim().split(/\s+/)
  const program = words[0]
  if (!program) return undefined
  if (path.posix.basename(program) === 'env') {
    const name = words.slice(1).find((word) => !word.startsWith('-') && !word.includes('='))
    return name ? {viaPath: name} : undefined
  }
  return {absolute: program}
}

/** `node`, `nodejs`, `node24`, `node-22`, `node.exe`: an interpreter that is Node.js itself. */
function isNodeProgram(program: string): boolean {
  return /^node(js)?(-?\d+)?(\.exe)?$/i.test(path.posix.basename(program))
}

/**
 * The node a shell wrapper starts, from its first `exec <node> …` line when that names a node
 * literally (`exec "/opt/node/bin/node" "/…/run.js" "$@"` or `exec node …`); undefined when the line is
 * missing or built from variables (`exec "$basedir/node" …`).
 */
export function nodeOfWrapper(script: string): {viaPath: string} | {absolute: string} | undefined {
  const line = /^\s*exec\s+(.*)$/m.exec(script)?.[1]
  if (!line) return undefined
  const program = /^"([^"]*)"|^'([^']*)'|^([^\s"']+)/.exec(line)
  const word = program?.[1] ?? program?.[2] ?? program?.[3]
  if (!word || word.includes('$') || !isNodeProgram(word)) return undefined
  if (word.startsWith('/')) return {absolute: word}
  return word.includes('/') ? undefined : {viaPath: word}
}

export async function checkHelperOnPath(environment: HelperCheckEnvironment): Promise<HelperCheck> {
  const {env, runningNode} = environment
  const goodNodeDirectory = path.dirname(runningNode)
  const reinstall = `npm install -g ${HELPER_COMMAND} (run it with Node.js ${NODE_FLOOR_TEXT})`

  const helperPath = findOnPath(HELPER_COMMAND, environment)
  if (!helperPath) {
    return {
      ok: false,
      problems: [
        `${HELPER_COMMAND} is not on PATH, so Docker cannot start it. Install it: ${reinstall}, then check with: command -v ${HELPER_COMMAND}`,
      ],
    }
  }
  // Windows runs npm's .cmd shim, which finds node by itself; there is no shebang to follow.
  if (environment.platform === 'win32') return {helperPath, ok: true, problems: []}

  let head: string
  try {
    head = (environment.readHead ?? defaultReadHead)(helperPath)
  } catch (error) {
    return {helperPath, ok: false, problems: [`Cannot read ${helperPath}: ${(error as Error).message}`]}
  }
  // A release install's launcher runs the Node.js that came with it: nothing on PATH to check.
  if (runsItsOwnNode(head)) return {helperPath, ok: true, problems: []}
  let nodeSpec = parseShebang(head)
  // Not a script (a native build, say): it needs no Node.js from PATH.
  if (!nodeSpec) return {helperPath, ok: true, problems: []}
  const interpreter = 'absolute' in nodeSpec ? nodeSpec.absolute : nodeSpec.viaPath
  if (!isNodeProgram(interpreter)) {
    // A wrapper (sh, bash, …): its interpreter is not the Node.js that runs the helper.
    const wrapped = nodeOfWrapper(head)
    if (!wrapped) {
      const kind = /^(ba|da|k|z)?sh$/.test(path.posix.basename(interpreter))
        ? 'a shell script'
        : `a ${path.posix.basename(interpreter)} script`
      return {
        helperPath,
        note: `${helperPath} is ${kind}; could not tell which Node.js it starts, so its version was not checked (the helper needs Node.js ${NODE_FLOOR_TEXT}).`,
        ok: true,
        problems: [],
      }
    }
    nodeSpec = wrapped
  }

  let node: string | undefined
  if ('absolute' in nodeSpec) node = nodeSpec.absolute
  else {
    node = findOnPath(nodeSpec.viaPath, environment)
    if (!node) {
      return {
        helperPath,
        ok: false,
        problems: [
          `${helperPath} starts "${nodeSpec.viaPath}" from PATH, but there is none. Put Node.js ${NODE_FLOOR_TEXT} first on PATH, for example: export PATH="${goodNodeDirectory}:$PATH"`,
        ],
      }
    }
  }

  const fix =
    'absolute' in nodeSpec
      ? `Reinstall the helper with a current Node.js: ${reinstall}`
      : `Put a newer Node.js first on the PATH Docker uses, for example: export PATH="${goodNodeDirectory}:$PATH" (in your shell profile), or reinstall: ${reinstall}`
  let nodeVersion: string
  try {
    nodeVersion = await (environment.nodeVersionOf ?? defaultNodeVersionOf)(node, env)
  } catch (error) {
    const reason = (error as {killed?: boolean}).killed
      ? 'it did not answer in time'
      : (error as Error).message
    return {
      helperPath,
      node,
      ok: false,
      problems: [`${helperPath} starts ${node}, which could not be run (${reason}). ${fix}`],
    }
  }
  if (!nodeMeetsFloor(nodeVersion)) {
    return {
      helperPath,
      node,
      nodeVersion,
      ok: false,
      problems: [
        `${helperPath} starts ${node}, which is Node.js v${nodeVersion}; the helper needs Node.js ${NODE_FLOOR_TEXT}. ${fix}`,
      ],
    }
  }
  return {helperPath, node, nodeVersion, ok: true, problems: []}
}
