/**
 * The one place an error reaches a person or a script: one `Error: …` line on stderr (never wrapped,
 * no ` ›` margin, so a suggested command can be pasted back), or `{"error": {"code", "message"}}` on
 * stdout under `--json`. A stack trace only with ATCR_DEBUG. Returns the exit code; the caller exits.
 */
import {envFlag} from '../env-flag.ts'
import {redactSecrets} from '../text/redact-secrets.ts'
import {describeError, type ErrorContext, type ErrorReport} from './describe-error.ts'

export interface ErrorOutput extends ErrorContext {
  /** `--json` was given: the error goes to stdout as JSON, nothing to stderr. */
  json: boolean
  env: NodeJS.ProcessEnv
  stdout: {write(text: string): unknown}
  stderr: {write(text: string): unknown}
}

/** oclif's `this.exit(n)`: already handled, nothing to print. */
export function isExitRequest(error: unknown): error is Error & {oclif: {exit: number}} {
  return error instanceof Error && (error as {code?: unknown}).code === 'EEXIT'
}

/** `Error: …`; a question the person cancelled is no error: "Cancelled; nothing changed." as it is. */
export function errorLine(report: ErrorReport): string {
  return report.code === 'cancelled' ? report.message : `Error: ${report.message}`
}

export function errorJson(report: ErrorReport): string {
  return JSON.stringify({error: {code: report.code, message: report.message}}, null, 2)
}

/** Print the error where it belongs and return the exit code. */
export function reportError(error: unknown, output: ErrorOutput): number {
  if (isExitRequest(error)) return error.oclif.exit
  const report = describeError(error, output)
  if (output.json) output.stdout.write(`${errorJson(report)}\n`)
  else output.stderr.write(`${errorLine(report)}\n`)
  if (envFlag(output.env, 'ATCR_DEBUG') && error instanceof Error && error.stack)
    output.stderr.write(`${redactSecrets(error.stack)}\n`)
  return report.exit
}

/** What a running oclif command tells about itself (a Command instance fits). */
export interface RunningCommand {
  id?: string
  config: {bin: string}
  jsonEnabled(): boolean
}

/** A command's `catch`: report on this process's streams and return the exit code. */
export function reportCommandError(error: unknown, command: RunningCommand): number {
  return reportError(error, {
    bin: command.config.bin,
    command: command.id?.replaceAll(':', ' '),
    json: command.jsonEnabled(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
  })
}

/** Whether the command line asks for JSON (`--json` before any `--`), as oclif decides for a command. */
export function jsonRequested(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}

/**
 * For the entry, in place of oclif's `handle`: whatever escaped a command (plugin commands, `update`,
 * hooks, oclif itself) is reported like a people command's error. Returns the exit code.
 */
export function reportEntryError(error: unknown, argv: readonly string[], bin: string): number {
  return reportError(error, {
    bin,
    json: jsonRequested(argv),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
  })
}
