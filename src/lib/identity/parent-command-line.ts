/**
 * The command lines of the helper's ancestors: the client that ran it (`docker push …`), and, when that
 * is only a shell or a shim, one or two processes further up.
 *
 * Linux reads /proc (no process spawn: this is on the `get` path); macOS asks `ps`; Windows is skipped.
 * Every failure yields nothing: detection is a hint, never a reason to fail.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {childProcess} from '../lazy-builtin.ts'

export interface ProcessInfo {
  pid: number
  argv: string[]
  parentPid?: number
}

export interface ProcessTableReader {
  /** Command line and parent of a process, or undefined when it cannot be read. */
  read(pid: number): ProcessInfo | undefined
}

function readLinuxProcess(pid: number, readFile: (file: string) => string): ProcessInfo | undefined {
  try {
    const raw = readFile(`/proc/${pid}/cmdline`)
    const argv = raw.split('\0')
    if (argv.at(-1) === '') argv.pop()
    if (argv.length === 0) return undefined
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces and parentheses.
    const stat = readFile(`/proc/${pid}/stat`)
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const parentPid = Number.parseInt(fields[1] ?? '', 10)
    return {pid, argv, parentPid: Number.isInteger(parentPid) ? parentPid : undefined}
  } catch {
    return undefined
  }
}

function readDarwinProcess(pid: number): ProcessInfo | undefined {
  try {
    // Loaded only here: child_process is costly to import, and Linux never needs it.
    const {execFileSync} = childProcess()
    const output = execFileSync('ps', ['-o', 'ppid=,args=', '-p', String(pid)], {
      encoding: 'utf8',
      timeout: 500,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
    const match = /^(\d+)\s+(.*)$/s.exec(output)
    if (!match) return undefined
    // ps joins argv with spaces; splitting again is lossy only for arguments with spaces, never for image refs.
    return {pid, parentPid: Number(match[1]), argv: match[2]!.split(/\s+/)}
  } catch {
    return undefined
  }
}

export function systemProcessTable(
  platform: NodeJS.Platform = process.platform,
  readFile: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): ProcessTableReader {
  if (platform === 'linux' || platform === 'android') return {read: (pid) => readLinuxProcess(pid, readFile)}
  if (platform === 'darwin' || platform.endsWith('bsd')) return {read: readDarwinProcess}
  return {read: () => undefined}
}

/**
 * Programs that stand between a client and the helper without naming an image themselves: shells,
 * `env`, `timeout`, `sudo`, package-runner shims. Only past these does detection look further up.
 */
const SHELLS_AND_SHIMS = new Set([
  'sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'fish', 'busybox',
  'env', 'timeout', 'nice', 'nohup', 'sudo', 'doas', 'time', 'stdbuf', 'setsid', 'script', 'strace',
  'npx', 'npm', 'pnpm', 'yarn', 'bunx', 'tini', 'dumb-init',
]) // prettier-ignore

export function isShellOrShim(argv: readonly string[]): boolean {
  const program = path.basename(argv[0] ?? '').replace(/^-/, '') // login shells show as "-bash"
  return SHELLS_AND_SHIMS.has(program)
}

/** How far above the direct parent detection may look when the parent is a shell or shim. */
export const MAX_EXTRA_ANCESTORS = 2

/**
 * Ancestors from the direct parent upwards, lazily: the caller stops as soon as one answers. After the
 * parent, only ancestors reached through a shell or shim are yielded, at most MAX_EXTRA_ANCESTORS.
 */
export function* ancestorCommandLines(table: ProcessTableReader, parentPid: number): Generator<ProcessInfo> {
  let current = parentPid > 1 ? table.read(parentPid) : undefined
  for (let level = 0; current && level <= MAX_EXTRA_ANCESTORS; level++) {
    yield current
    if (!isShellOrShim(current.argv) || !current.parentPid || current.parentPid <= 1) return
    current = table.read(current.parentPid)
  }
}

/**
 * ancestorCommandLines, read at most once: every pass over the result after the first reads no process
 * again (the built-in rules and trusted plugins look at the same command lines).
 */
export function rememberedAncestors(table: ProcessTableReader, parentPid: number): Iterable<ProcessInfo> {
  const source = ancestorCommandLines(table, parentPid)
  const seen: ProcessInfo[] = []
  let done = false
  return {
    *[Symbol.iterator]() {
      for (let index = 0; ; index++) {
        if (index < seen.length) {
          yield seen[index]!
          continue
        }
        if (done) return
        const next = source.next()
        if (next.done) {
          done = true
          return
        }
        seen.push(next.value)
        yield next.value
      }
    },
  }
}
