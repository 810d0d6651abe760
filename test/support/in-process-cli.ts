/**
 * Run a people command inside the test process instead of spawning it: the same built module bin/run.js
 * reaches for every command that is not a protocol verb (dist/lib/cli/run-oclif.js, so `npm run build`
 * first), with the test's environment, an empty stdin that is not a terminal, and stdout, stderr and
 * the exit code captured. A spawn costs a Node start and oclif's whole load; this costs oclif's config
 * load only. Use it where nothing needs a real process; keep test/support/cli.ts's runCli where the
 * process is the point (protocol verbs, terminals, signals, stdin, exit behaviour).
 *
 * Why not @oclif/test's runCommand: it captures process.stdout for as long as the command runs, and
 * `node --test` runs each test file in a child that reports its results over that same stdout, so
 * results reported meanwhile vanished with the capture (tried: a file's tests went missing). Here each
 * write is routed by where it comes from: a write made by the command, or by anything it awaited or
 * scheduled, carries the run's async context (AsyncLocalStorage) and is captured; every other write —
 * the test runner's — goes through untouched.
 *
 * Runs are one at a time: the environment, the exit code and stdin are the process's own.
 */
import {AsyncLocalStorage} from 'node:async_hooks'
import path from 'node:path'
import {Readable} from 'node:stream'
import {pathToFileURL} from 'node:url'

import {isProtocolVerb} from '../../src/lib/protocol/verb-names.ts'
import {type CliResult, REPO} from './cli.ts'

interface Capture {
  stdout: string
  stderr: string
  onStderrLine?: (line: string) => void
  /** stderr written since its last complete line. */
  pending: string
}

const running = new AsyncLocalStorage<Capture>()

type Write = typeof process.stdout.write

/** Route one stream's writes: the current run's capture if there is one, else the stream itself. */
function routeWrites(stream: NodeJS.WriteStream, field: 'stdout' | 'stderr'): void {
  const write = stream.write.bind(stream) as Write
  stream.write = function routedWrite(chunk: unknown, ...rest: unknown[]): boolean {
    const capture = running.getStore()
    if (!capture) return (write as (...args: unknown[]) => boolean)(chunk, ...rest)
    const encoding = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8'
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(encoding)
    capture[field] += text
    if (field === 'stderr' && capture.onStderrLine) {
      const lines = (capture.pending + text).split('\n')
      capture.pending = lines.pop() ?? ''
      for (const line of lines) capture.onStderrLine(line)
    }
    const callback = rest.find((item) => typeof item === 'function') as (() => void) | undefined
    if (callback) queueMicrotask(callback)
    return true
  } as Write
}

routeWrites(process.stdout, 'stdout')
routeWrites(process.stderr, 'stderr')

/** Kept across runs: the test runner's own channel to its parent. */
const KEPT_VARIABLES = ['NODE_TEST_CONTEXT']

let queue: Promise<unknown> = Promise.resolve()

type RunOclif = (args: readonly string[], entryUrl: string) => Promise<void>
let runOclif: RunOclif | undefined
/** The URL bin/run.js hands oclif: where it finds the package root and its manifest. */
const ENTRY_URL = pathToFileURL(path.join(REPO, 'dist', 'entry.js')).href

export interface InProcessOptions {
  /** The command's whole environment (HOME included: os.homedir() reads it). */
  env: NodeJS.ProcessEnv
  /** What the command reads on stdin (a pipe, never a terminal); empty by default. */
  stdin?: string
  /** Called with each complete stderr line as it is written (to read the device code). */
  onStderrLine?: (line: string) => void
  /** The run fails (the test with it) when the command has not finished by then. */
  timeoutMs?: number
}

/**
 * `docker-credential-atcr <args>` in this process, with exactly `env` as its environment. Resolves to
 * what a spawned run would give: stdout, stderr and the exit code (signal is always null).
 */
export function runInProcess(args: string[], options: InProcessOptions): Promise<CliResult> {
  if (args.length === 1 && isProtocolVerb(args[0])) {
    // bin/run.js never hands a lone verb to oclif: running it here would test a path Docker never takes.
    return Promise.reject(new Error(`${args[0]} is a protocol verb: spawn it (test/support/cli.ts runCli)`))
  }
  const run = queue.then(async () => withTimeout(runOnce(args, options), args, options.timeoutMs ?? 30_000))
  queue = run.catch(() => {})
  return run
}

async function withTimeout<T>(work: Promise<T>, args: string[], ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`in-process ${args.join(' ')} still running after ${ms} ms`)),
      ms,
    )
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function runOnce(args: string[], options: InProcessOptions): Promise<CliResult> {
  const {env} = options
  runOclif ??= (
    (await import(pathToFileURL(path.join(REPO, 'dist', 'lib', 'cli', 'run-oclif.js')).href)) as {
      runOclif: RunOclif
    }
  ).runOclif
  const savedEnv = {...process.env}
  const savedExitCode = process.exitCode
  const stdin = Object.getOwnPropertyDescriptor(process, 'stdin')!
  const input = Object.assign(Readable.from(options.stdin ? [Buffer.from(options.stdin)] : []), {
    isTTY: false,
  })
  replaceEnv(env)
  process.exitCode = undefined
  Object.defineProperty(process, 'stdin', {value: input, configurable: true, enumerable: true})
  const capture: Capture = {stdout: '', stderr: '', onStderrLine: options.onStderrLine, pending: ''}
  try {
    await running.run(capture, async () => runOclif!(args, ENTRY_URL))
    const code = process.exitCode ?? 0
    return {
      stdout: capture.stdout,
      stderr: capture.stderr,
      code: typeof code === 'number' ? code : Number(code),
      signal: null,
    }
  } finally {
    replaceEnv(savedEnv)
    process.exitCode = savedExitCode
    Object.defineProperty(process, 'stdin', stdin)
  }
}

function replaceEnv(env: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(process.env)) {
    if (!KEPT_VARIABLES.includes(name)) delete process.env[name]
  }
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) process.env[name] = value
  }
}
