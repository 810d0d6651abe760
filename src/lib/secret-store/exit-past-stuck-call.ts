/**
 * Ending the process while a keychain call is still running (a KeychainError with `stuck`).
 *
 * The call holds a libuv thread-pool thread, and Node.js joins those threads on every way out it offers:
 * `process.exit()` and an emptied event loop both wait for the call to return, which for an unlock
 * prompt nobody answers is never (measured: `process.exit(1)` with one pool thread blocked on a FIFO
 * was still running 5 s later). So, once the answer is written (synchronously: nothing is buffered):
 * - POSIX: `process.execve` replaces the process image, which ends every thread at once, with a Node.js
 *   that only sets the exit code: the parent sees the code it expects, not a signal;
 * - Windows (no execve): `process.kill` of our own pid is TerminateProcess, whose exit code libuv sets
 *   to 1.
 */
export interface ExitingProcess {
  readonly execPath: string
  readonly pid: number
  execve?: (file: string, args?: readonly string[], env?: NodeJS.ProcessEnv) => never
  kill(pid: number, signal?: string | number): true
}

export function exitPastStuckCall(code: number, running: ExitingProcess = process): never {
  if (running.execve) {
    running.execve(running.execPath, [running.execPath, '--eval', `process.exitCode = ${Number(code)}`], {})
  }
  running.kill(running.pid, 'SIGKILL')
  throw new Error('unreachable: the process was ended')
}
