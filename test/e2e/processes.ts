/**
 * Running real programs for the end-to-end rig: always asynchronously (the AppView emulator and the
 * stub Engine answer from this same process), always with a time limit, and every long-lived server
 * tracked so that one cleanup stops them all, whatever failed.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {createServer} from 'node:net'

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** The command line, for failure messages (never contains a secret: secrets go on stdin). */
  command: string
}

export interface RunOptions {
  env: NodeJS.ProcessEnv
  input?: string
  cwd?: string
  timeoutMs?: number
}

/** Programs started by run() and not yet ended: a signal to the rig ends them before cleanup. */
const running = new Set<ChildProcess>()

/** End every program run() started that is still running (SIGKILL) and wait until they have. */
export async function killRunning(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve()
          child.once('close', () => resolve())
          child.kill('SIGKILL')
        }),
    ),
  )
}

/** Run a program to completion; a run past its time limit is killed and reported as signal SIGKILL. */
export function run(program: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const command = [program, ...args].join(' ')
  return new Promise((resolve) => {
    const child = spawn(program, args, {env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe']})
    running.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.on('error', (error) => {
      running.delete(child)
      clearTimeout(timer)
      resolve({code: 127, signal: null, stdout, stderr: `${stderr}${error.message}\n`, command})
    })
    child.on('close', (code, signal) => {
      running.delete(child)
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr, command})
    })
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}

/** A failed run, told in a few lines: the command, how it ended, and the tail of its output. */
export function describeRun(result: RunResult): string {
  const ending = result.signal ? `killed by ${result.signal}` : `exit ${result.code}`
  const tail = (text: string) => text.trim().split('\n').slice(-12).join('\n      ')
  return [
    `$ ${result.command}  (${ending})`,
    result.stdout.trim() && `    stdout: ${tail(result.stdout)}`,
    result.stderr.trim() && `    stderr: ${tail(result.stderr)}`,
  ]
    .filter(Boolean)
    .join('\n')
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Poll `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await sleep(100)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/** Long-lived servers started by the rig; stop() ends each (SIGTERM, then SIGKILL). */
export class ServerProcesses {
  private readonly children: ChildProcess[] = []

  start(program: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
    const child = spawn(program, args, {env, stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    Object.defineProperty(child, 'recentOutput', {get: () => output})
    this.children.push(child)
    return child
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve()
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
            child.once('exit', () => {
              clearTimeout(timer)
              resolve()
            })
            child.kill('SIGTERM')
          }),
      ),
    )
  }
}

/** The last output of a server started by ServerProcesses, for failure messages. */
export function recentOutput(child: ChildProcess): string {
  return (child as ChildProcess & {recentOutput?: string}).recentOutput ?? ''
}
