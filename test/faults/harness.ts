/**
 * The reliability suite's shared helpers: figures, temp homes, and spawning the built CLI while keeping
 * every byte it prints for the secret scan that ends each file (secrets.ts).
 *
 * The suite's files are `test/faults/*.faults.ts`, run by node:test (`npm run test:faults`). A case is a
 * `test('category › name', …)`; cases that may share the machine with one other sit in a
 * `describe(…, {concurrency: 2})`, heavy or timing-sensitive ones are top-level tests, one after the other
 * (two files run at a time: nothing here is shared between files but the machine). Figures recorded here reach the suite's reporter (reporter.ts) through the
 * diagnostics of each file's last test, which sums them over the files.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readlinkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after} from 'node:test'
import {fileURLToPath} from 'node:url'

import {SESSION_CACHE_FILE} from '../../src/lib/session-check/session-cache.ts'
import {
  type AppViewEmulator,
  type EmulatorOptions,
  startAppViewEmulator,
} from '../support/appview-emulator.ts'
import {notBuiltReason} from '../support/built.ts'
import {addFigure} from './figures.ts'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BIN_RUN = path.join(ROOT, 'bin', 'run.js')
export const NOT_FOUND = 'credentials not found in native keychain'

const notBuilt = notBuiltReason(ROOT)
if (notBuilt !== undefined) throw new Error(`${notBuilt} (${BIN_RUN} loads dist)`)

// ---- figures (figures.ts: the reporter reads them too) ----------------------------------------

export {addFigure, type Figure, FIGURE_DIAGNOSTIC, maxFigure, reportFigures, setFigure} from './figures.ts'

// ---- secrets and captured output -----------------------------------------------------------------

/** Every secret the suite hands to the helper; none may appear in any captured output. */
const secrets = new Set<string>()
export function newSecret(label = 's'): string {
  const secret = `atcr_device_${label}${randomBytes(12).toString('hex')}`
  secrets.add(secret)
  return secret
}
/** A secret that is not a device secret (an app password a person pasted): it must not leak either. */
export function newPassword(): string {
  const password = `pw${randomBytes(12).toString('hex')}`
  secrets.add(password)
  return password
}
/**
 * The project's AppView emulator, with every device secret it issues (through login, approvals,
 * addAccount) added to the secrets the scan searches for.
 */
export async function startScannedEmulator(options: EmulatorOptions = {}): Promise<AppViewEmulator> {
  return startAppViewEmulator({
    ...options,
    onSecretIssued: (secret) => {
      secrets.add(secret)
      addFigure('secrets: issued by the AppView emulator')
      options.onSecretIssued?.(secret)
    },
  })
}
export function allSecrets(): ReadonlySet<string> {
  return secrets
}

export interface Captured {
  label: string
  stream: 'stdout' | 'stderr'
  text: string
}
const captured: Captured[] = []
let scanned = false
/** What the CLI printed so far in this file; reading it for the scan marks the output as scanned. */
export function capturedOutput(): readonly Captured[] {
  scanned = true
  return captured
}
// A file that ran the CLI ends with the secret scan (secrets.ts): a file without it proves nothing.
after(() => {
  if (captured.length > 0 && !scanned)
    throw new Error('this file ran the CLI but never scanned its output: end it with testNoSecretLeaked()')
})

// ---- temp homes ----------------------------------------------------------------------------------

const tempRoots: string[] = []

export interface Home {
  root: string
  /** ATCR_CONFIG_DIR */
  dir: string
  file: string
  env: NodeJS.ProcessEnv
}

export function newHome(prefix = 'atcr-faults-'): Home {
  const root = mkdtempSync(path.join(tmpdir(), prefix))
  tempRoots.push(root)
  const dir = path.join(root, 'atcr')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: root,
    ATCR_CONFIG_DIR: dir,
    DOCKER_CONFIG: path.join(root, 'docker'),
    XDG_CONFIG_HOME: path.join(root, 'xdg'),
  }
  return {root, dir, file: path.join(dir, 'device.json'), env}
}

export function cleanupHomes(): void {
  for (const root of tempRoots.splice(0)) rmSync(root, {recursive: true, force: true})
}
after(cleanupHomes)

export interface SeedAccount {
  handle: string
  secret: string
  did?: string
}

/** A v2 file with the given registries (`http://localhost:5000` → accounts, first active unless said). */
export function v2File(
  registries: Record<string, {accounts: SeedAccount[]; active?: string | null}>,
): string {
  const out: Record<string, unknown> = {}
  for (const [key, {accounts, active}] of Object.entries(registries)) {
    const entry: Record<string, unknown> = {accounts: {}}
    for (const account of accounts) {
      ;(entry.accounts as Record<string, unknown>)[account.handle] = {
        handle: account.handle,
        did: account.did ?? '',
        device_secret: account.secret,
      }
    }
    if (active !== null) entry.active = active ?? accounts[0]?.handle
    out[key] = entry
  }
  return `${JSON.stringify({version: 2, registries: out}, null, 2)}\n`
}

export function writeAccountFile(home: Home, content: string | Buffer, mode = 0o600): void {
  mkdirSync(home.dir, {recursive: true, mode: 0o700})
  writeFileSync(home.file, content, {mode})
  chmodSync(home.file, mode)
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

/** Names and contents of a directory, to prove nothing was added, removed or changed. */
export function snapshot(dir: string): string {
  const parts: string[] = []
  for (const name of readdirSync(dir).sort()) {
    // get's session cache is a cache of AppView answers, not account state: it may come and go.
    if (name === SESSION_CACHE_FILE) continue
    const entry = path.join(dir, name)
    const stats = lstatSync(entry)
    // Only regular files are read: a FIFO or a device in the directory must not block the suite.
    const digest = stats.isFile()
      ? createHash('sha256').update(readFileSync(entry)).digest('hex')
      : `${stats.isDirectory() ? 'dir' : stats.isSymbolicLink() ? `link:${readlinkSync(entry)}` : 'special'}`
    parts.push(`${name}:${(stats.mode & 0o7777).toString(8)}:${digest}`)
  }
  return parts.join('\n')
}

// ---- running the CLI -----------------------------------------------------------------------------

export interface CliResult {
  stdout: string
  stderr: string
  code: number | null
  signal: NodeJS.Signals | null
  /** Wall-clock time from spawn to exit. */
  ms: number
  /** CPU time (user + system) of the process, when `measureCpu` was asked and /usr/bin/time exists. */
  cpuMs?: number
}

export interface CliOptions {
  env: NodeJS.ProcessEnv
  input?: string | Buffer
  timeoutMs?: number
  /** A successful `get` prints a secret on stdout by design; its stdout is checked exactly instead. */
  stdoutMayHoldSecret?: boolean
  /** Run as another user (`setpriv`), e.g. to test unreadable files although the suite runs as root. */
  asUser?: {uid: number; gid: number}
  /** Run under this umask (through `sh -c umask …`). */
  umask?: string
  label?: string
  /** Measure the process's own CPU time with /usr/bin/time (immune to other load on the machine). */
  measureCpu?: boolean
}

export const HAS_GNU_TIME = existsSync('/usr/bin/time')

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return runProcess(process.execPath, [BIN_RUN, ...args], options)
}

export function runProcess(command: string, args: string[], options: CliOptions): Promise<CliResult> {
  let file = command
  let argv = args
  if (options.umask !== undefined) {
    argv = ['-c', `umask ${options.umask} && exec "$0" "$@"`, file, ...argv]
    file = '/bin/sh'
  }
  if (options.asUser) {
    argv = [
      `--reuid=${options.asUser.uid}`,
      `--regid=${options.asUser.gid}`,
      '--clear-groups',
      '--',
      file,
      ...argv,
    ]
    file = 'setpriv'
  }
  let cpuFile: string | undefined
  if (options.measureCpu && HAS_GNU_TIME) {
    cpuFile = path.join(mkdtempSync(path.join(tmpdir(), 'atcr-cpu-')), 'time')
    argv = ['-q', '-f', '%U %S', '-o', cpuFile, file, ...argv]
    file = '/usr/bin/time'
  }
  const label = options.label ?? args.slice(1).join(' ')
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(file, argv, {env: options.env, cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe']})
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.stdin.on('error', () => {}) // the helper stops reading oversized input: EPIPE is expected
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const result: CliResult = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
        signal,
        ms: performance.now() - started,
      }
      if (cpuFile !== undefined) {
        const [user, system] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number)
        result.cpuMs = Math.round(((user ?? 0) + (system ?? 0)) * 1000)
        rmSync(path.dirname(cpuFile), {recursive: true, force: true})
      }
      if (!options.stdoutMayHoldSecret) captured.push({label, stream: 'stdout', text: result.stdout})
      captured.push({label, stream: 'stderr', text: result.stderr})
      resolve(result)
    })
    if (options.input === undefined) child.stdin.end()
    else child.stdin.end(options.input)
  })
}

/** A helper error answer: exactly one line on stdout, exit 1. */
export function assertOneLineError(result: CliResult, what: string): string {
  assert.equal(result.code, 1, `${what}: exit ${result.code} (signal ${result.signal}), expected 1`)
  const lines = result.stdout.split('\n')
  assert.ok(
    lines.length === 2 && lines[1] === '' && lines[0]!.trim() !== '',
    `${what}: expected one line on stdout, got ${JSON.stringify(result.stdout.slice(0, 300))}`,
  )
  return lines[0]!
}
