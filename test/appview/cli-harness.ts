/**
 * Running the built CLI (bin/run.js → dist) as a child process against the AppView emulator, in a
 * temporary HOME / ATCR_CONFIG_DIR / DOCKER_CONFIG, never the real ~/.atcr. Run `npm run build` first.
 * Unlike test/support/cli.ts's runCli, stderr can be watched line by line (to read the device code) and
 * the process signalled (Ctrl-C).
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {after, before, beforeEach} from 'node:test'

import {
  type AppViewEmulator,
  type EmulatorOptions,
  startAppViewEmulator,
} from '../support/appview-emulator.ts'
import {CLI, makeSandbox as makeSharedSandbox, type Sandbox as SharedSandbox} from '../support/cli.ts'

type AccountsOnDisk = {
  registries: Record<string, {active?: string; accounts: Record<string, Record<string, string>>}>
}

export interface Sandbox extends Omit<SharedSandbox, 'readAccounts'> {
  readAccounts(): AccountsOnDisk
}

/**
 * The shared sandbox (test/support/cli.ts) as these tests need it: the session check on (they test
 * it), CI set so nothing opens a browser or prompts, and oclif's messages unwrapped.
 */
export function makeSandbox(): Sandbox {
  const sandbox = makeSharedSandbox()
  delete sandbox.env.ATCR_SESSION_CHECK
  sandbox.env.CI = '1'
  sandbox.env.OCLIF_COLUMNS = '400'
  return {...sandbox, readAccounts: () => sandbox.readAccounts() as AccountsOnDisk}
}

/**
 * One emulator for a describe block (started before, closed after), its faults and request log reset
 * before every test. Returns a stand-in that forwards to the running emulator.
 */
export function useEmulator(options: EmulatorOptions = {}): AppViewEmulator {
  let running: AppViewEmulator | undefined
  before(async () => {
    running = await startAppViewEmulator(options)
  })
  after(async () => {
    await running?.close()
  })
  beforeEach(() => {
    running!.clearFaults()
    running!.requests.length = 0
  })
  return new Proxy({} as AppViewEmulator, {get: (_target, property) => Reflect.get(running!, property)})
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  env: NodeJS.ProcessEnv
  stdin?: string
  /** Called with each stderr line as it arrives (to read the device code). */
  onStderrLine?: (line: string) => void
  timeoutMs?: number
  /** Called once the process has started (to signal it). */
  onSpawn?: (child: ChildProcess) => void
}

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    options.onSpawn?.(child)
    let stdout = ''
    let stderr = ''
    let pending = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`CLI ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, options.timeoutMs ?? 30_000)
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString()
      stderr += text
      pending += text
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) options.onStderrLine?.(line)
    })
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
    child.stdin.end(options.stdin ?? '')
  })
}

/** The one-time code in a line like "First copy your one-time code: WDJB-MJHT". */
export function userCodeIn(line: string): string | undefined {
  return /one-time code: ([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(line)?.[1]
}

/** A v2 account file with the given accounts for one registry (the first one active unless told). */
export function accountFileFor(
  url: string,
  accounts: {handle: string; did: string; device_secret: string}[],
  active = accounts[0]?.handle,
) {
  return {
    version: 2,
    registries: {
      [url]: {active, accounts: Object.fromEntries(accounts.map((account) => [account.handle, account]))},
    },
  }
}
