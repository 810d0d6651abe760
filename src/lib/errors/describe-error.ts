/**
 * What any error means for a person and for `--json`: a stable code, one line of text, an exit code.
 * oclif's parser errors are reworded in the project's voice ("unknown flag --x for status", not
 * "Nonexistent flag: --x" plus a usage dump); everything else keeps its message, on one line.
 */

import {describeAccountFileError} from '../config/account-file-errors.ts'
import {AccountFileError} from '../config/account-store.ts'
import {closestSpelling} from '../text/closest-spelling.ts'
import {redactSecrets} from '../text/redact-secrets.ts'
import {PersonFacingError} from './person-facing-error.ts'

export interface ErrorReport {
  /** Stable, for scripts: `usage`, `command_not_found`, `account_file`, `failed`, `unexpected`, or a command's own. */
  code: string
  /** One line, no colour. */
  message: string
  exit: number
}

export interface ErrorContext {
  /** `docker-credential-atcr` */
  bin: string
  /** The command as a person types it (`plugins trust`), when one was running. */
  command?: string
}

type OclifLikeError = Error & {
  code?: unknown
  oclif?: {exit?: number}
  args?: unknown[]
  flags?: string[]
  parse?: unknown
  /** oclif's `this.error(message, {suggestions})`. */
  suggestions?: unknown
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;]*[A-Za-z]/g

/** Strip colour and fold every line break (and the indentation after it) into one space. */
export function oneLine(text: string): string {
  return text
    .replace(ANSI, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ')
}

/** oclif's validation reasons ("All of the following must be provided when using --account: --with-token"), reworded. */
function rewordFlagReason(reason: string): string {
  const patterns: Array<[RegExp, (...groups: string[]) => string]> = [
    [
      /^All of the following must be provided when using (--\S+): (.+)$/,
      (flag, needed) => `${flag} needs ${needed!.split(', ').join(' and ')}`,
    ],
    [
      /^One of the following must be provided when using (--\S+): (.+)$/,
      (flag, needed) => `${flag} needs one of ${needed!.split(', ').join(', ')}`,
    ],
    [/^Missing required flag (\S+)$/, (flag) => `--${flag} is required`],
    [
      /^(--\S+?)(?:=\S+)? cannot also be provided when using (--\S+)$/,
      (other, flag) => `${flag} and ${other} cannot be used together`,
    ],
    [/^Exactly one of the following must be provided: (.+)$/, (flags) => `give exactly one of ${flags}`],
    [/^At least one of the following must be provided: (.+)$/, (flags) => `give at least one of ${flags}`],
  ]
  for (const [pattern, reword] of patterns) {
    const match = pattern.exec(reason)
    if (match) return reword(...match.slice(1))
  }
  return reason
}

/** The sentence, ended once, and where to read more. */
function withHelpPointer(text: string, context: ErrorContext): string {
  const sentence = /[.!?]$/.test(text) ? text : `${text}.`
  return `${sentence} See: ${context.bin}${context.command ? ` ${context.command}` : ''} --help`
}

function forCommand(context: ErrorContext): string {
  return context.command ? ` for ${context.command}` : ''
}

/** oclif's parser errors, by class name (the classes are not exported from @oclif/core's index); no final period. */
function describeParseError(error: OclifLikeError, context: ErrorContext): string | undefined {
  const raw = error.message.replace(/\n?See more help with --help$/, '')
  switch (error.constructor.name) {
    case 'RequiredArgsError': {
      const args = (error.args ?? []) as Array<{name?: string; description?: string}>
      const named = args.filter((arg) => arg.name)
      const what = named
        .map((arg) => `${arg.name!.toUpperCase()}${arg.description ? ` (${arg.description})` : ''}`)
        .join(', ')
      return `${context.command ?? 'the command'} needs ${what || 'an argument'}`
    }
    case 'UnexpectedArgsError': {
      const args = (error.args ?? []) as string[]
      return `unexpected argument${args.length === 1 ? '' : 's'} ${args.map((arg) => JSON.stringify(arg)).join(', ')}${forCommand(context)}`
    }
    case 'NonExistentFlagsError': {
      const flags = error.flags ?? []
      const unknown = `unknown flag${flags.length === 1 ? '' : 's'} ${flags.join(', ')}${forCommand(context)}`
      const guess = flags.length === 1 ? closestSpelling(flags[0]!, knownFlags(error)) : undefined
      return guess ? `${unknown}. Did you mean ${guess}?` : unknown
    }
    case 'FailedFlagValidationError':
    case 'ViolatedFlagConstraintError': {
      const reasons = raw
        .replace(ANSI, '')
        .split('\n')
        .slice(1)
        .map((line) => line.trim())
        .filter((line) => line !== '')
      return [...new Set(reasons.map(rewordFlagReason))].join('; ')
    }
    default:
      return error.parse === undefined ? undefined : oneLine(raw)
  }
}

/** The flag spellings the command accepts (`--dry-run`, `--no-browser`, `-a`), from the parser's input. */
function knownFlags(error: OclifLikeError): string[] {
  type FlagDefinition = {name?: string; char?: string; allowNo?: boolean; hidden?: boolean}
  const input = (error.parse as {input?: {flags?: Record<string, FlagDefinition>}} | undefined)?.input
  return Object.entries(input?.flags ?? {}).flatMap(([name, flag]) =>
    flag.hidden ? [] : [`--${name}`, ...(flag.allowNo ? [`--no-${name}`] : [])],
  )
}

/** `this.error(message, {suggestions})` of any command (a plugin's too): the suggestions on the same line. */
function withSuggestions(message: string, suggestions: unknown): string {
  const given = Array.isArray(suggestions) ? suggestions.filter((item) => typeof item === 'string') : []
  if (given.length === 0) return message
  return `${message.replace(/\.$/, '')}. Try: ${given.join('; ')}`
}

function isCliError(error: OclifLikeError): boolean {
  return typeof error.oclif === 'object' && error.oclif !== null
}

/** The command a parser error belongs to, which oclif keeps in `parse.input.context` (`plugins:install`). */
function parsedCommand(error: OclifLikeError): string | undefined {
  const id = (error.parse as {input?: {context?: {id?: unknown}}} | undefined)?.input?.context?.id
  return typeof id === 'string' && id !== '' ? id.replaceAll(':', ' ') : undefined
}

/**
 * Said instead of a device secret typed on the command line (issue 17): the secret is never echoed, and
 * the person learns how to hand it over.
 */
export const SECRET_IN_ARGV_HINT = 'A device secret is never an argument: pipe the secret on stdin.'

/**
 * Every report, with any device secret (or user info of an address) in it redacted: arguments, flag
 * values and typo suggestions echo argv, and argv may hold a secret typed by mistake.
 */
export function describeError(error: unknown, given: ErrorContext): ErrorReport {
  const report = describeUnredacted(error, given)
  const message = redactSecrets(report.message)
  if (message === report.message) return report
  return {
    ...report,
    message: message.includes(SECRET_IN_ARGV_HINT) ? message : `${message} ${SECRET_IN_ARGV_HINT}`,
  }
}

function describeUnredacted(error: unknown, given: ErrorContext): ErrorReport {
  if (!(error instanceof Error)) return {code: 'unexpected', message: oneLine(String(error)), exit: 1}
  if (error instanceof PersonFacingError)
    return {code: error.code, message: oneLine(error.message), exit: error.exit}
  if (error instanceof AccountFileError)
    return {
      code: 'account_file',
      message: oneLine(describeAccountFileError(error, {audience: 'people'})),
      exit: 1,
    }
  const oclifError = error as OclifLikeError
  const context = {...given, command: given.command ?? parsedCommand(oclifError)}
  const parse = describeParseError(oclifError, context)
  if (parse !== undefined)
    return {
      code: 'usage',
      message: withHelpPointer(oneLine(parse), context),
      exit: oclifError.oclif?.exit ?? 2,
    }
  if (isCliError(oclifError)) {
    const exit = oclifError.oclif?.exit ?? 1
    const code =
      typeof oclifError.code === 'string' && oclifError.code !== ''
        ? oclifError.code
        : exit === 2
          ? 'usage'
          : 'failed'
    return {code, message: oneLine(withSuggestions(error.message, oclifError.suggestions)), exit}
  }
  return {code: 'unexpected', message: oneLine(error.message || String(error)), exit: 1}
}
