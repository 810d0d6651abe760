/**
 * Run the built CLI as a real process, the way container clients do: `process.execPath bin/run.js …`
 * with stdin piped, in a throw-away HOME / ATCR_CONFIG_DIR / DOCKER_CONFIG.
 */
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const CLI = path.join(REPO, 'bin', 'run.js')
const FAKE_CLIENT = path.join(REPO, 'test', 'support', 'fake-client.ts')

export interface CliResult {
  stdout: string
  stderr: string
  code: number | null
  signal: NodeJS.Signals | null
}

export interface Sandbox {
  root: string
  home: string
  configDir: string
  accountFile: string
  env: NodeJS.ProcessEnv
  writeAccounts(content: unknown): void
  readAccounts(): unknown
  cleanup(): void
}

/** A fresh HOME with its own ATCR_CONFIG_DIR and DOCKER_CONFIG; nothing of the real user's leaks in. */
export function makeSandbox(): Sandbox {
  const root = mkdtempSync(path.join(tmpdir(), 'atcr-test-'))
  const home = path.join(root, 'home')
  const configDir = path.join(home, '.atcr')
  mkdirSync(home, {recursive: true})
  const accountFile = path.join(configDir, 'device.json')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    ATCR_CONFIG_DIR: configDir,
    DOCKER_CONFIG: path.join(home, '.docker'),
    XDG_CONFIG_HOME: path.join(home, '.config'),
    ATCR_SESSION_CHECK: '0',
    NO_COLOR: '1',
    // The update notice refreshes in a detached process that writes into the sandbox (racing its removal)
    // and asks the real release host: off, except in the notice's own tests (test/update/notice-hook.test.ts).
    ATCR_NO_UPDATE_NOTIFIER: '1',
  }
  return {
    root,
    home,
    configDir,
    accountFile,
    env,
    writeAccounts(content) {
      mkdirSync(configDir, {recursive: true, mode: 0o700})
      writeFileSync(accountFile, typeof content === 'string' ? content : JSON.stringify(content, null, 2), {
        mode: 0o600,
      })
    },
    readAccounts() {
      return JSON.parse(readFileSync(accountFile, 'utf8'))
    },
    cleanup() {
      rmSync(root, {recursive: true, force: true, maxRetries: 5})
    },
  }
}

function collect(
  command: string,
  args: string[],
  options: {input?: string | Buffer; env: NodeJS.ProcessEnv; argv0?: string; timeoutMs?: number},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      argv0: options.argv0,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({stdout, stderr, code, signal})
    })
    child.stdin.on('error', () => {}) // the CLI may exit before reading everything (oversized input)
    if (options.input !== undefined) child.stdin.end(options.input)
    else child.stdin.end()
  })
}

/** `docker-credential-atcr <args>` with `input` on stdin. */
export function runCli(
  args: string[],
  options: {input?: string | Buffer; env: NodeJS.ProcessEnv; timeoutMs?: number},
) {
  return collect(process.execPath, [CLI, ...args], options)
}

/**
 * Run a protocol verb as a child of a process whose command line is `clientArgv`
 * (`['docker', 'push', 'atcr.io/alice/app']`): the helper then finds that command line as its parent's.
 */
export function runVerbUnderClient(
  clientArgv: string[],
  verb: string,
  options: {input: string; env: NodeJS.ProcessEnv},
) {
  const [program, ...clientArgs] = clientArgv
  return collect(process.execPath, [FAKE_CLIENT, ...clientArgs], {
    argv0: program,
    env: {...options.env, FAKE_CLIENT_VERB: verb, FAKE_CLIENT_INPUT: options.input, FAKE_CLIENT_CLI: CLI},
  })
}
