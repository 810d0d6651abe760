/**
 * Running the built CLI (bin/run.js → dist) as a child process against the AppView emulator, in a
 * temporary HOME / ATCR_CONFIG_DIR / DOCKER_CONFIG, never the real ~/.atcr. Run `npm run build` first.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN_RUN = path.join(ROOT, 'bin', 'run.js')

export interface Sandbox {
  home: string
  configDir: string
  dockerConfig: string
  env: NodeJS.ProcessEnv
  accountFile: string
  readAccounts(): {
    registries: Record<string, {active?: string; accounts: Record<string, Record<string, string>>}>
  }
  writeAccounts(value: unknown): void
  cleanup(): void
}

export function makeSandbox(): Sandbox {
  const home = mkdtempSync(path.join(tmpdir(), 'atcr-cli-'))
  const configDir = path.join(home, 'atcr')
  const dockerConfig = path.join(home, 'docker')
  mkdirSync(configDir, {mode: 0o700})
  mkdirSync(dockerConfig)
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    ATCR_CONFIG_DIR: configDir,
    DOCKER_CONFIG: dockerConfig,
    CI: '1', // never a browser, never a prompt
    NO_COLOR: '1',
    OCLIF_COLUMNS: '400', // error messages on one line, as a wide terminal shows them
  }
  const accountFile = path.join(configDir, 'device.json')
  return {
    home,
    configDir,
    dockerConfig,
    env,
    accountFile,
    readAccounts: () => JSON.parse(readFileSync(accountFile, 'utf8')),
    writeAccounts: (value) => writeFileSync(accountFile, JSON.stringify(value, null, 2), {mode: 0o600}),
    cleanup: () => rmSync(home, {recursive: true, force: true}),
  }
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
    const child = spawn(process.execPath, [BIN_RUN, ...args], {
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
