/**
 * Questions for a person at a terminal. Commands take a Prompter so tests can answer with a fake, and
 * enquirer is imported only when a question is really asked (never on the protocol path).
 */
import {envFlag} from '../env-flag.ts'
import {PersonFacingError} from '../errors/person-facing-error.ts'

export interface Choice {
  /** What is returned when chosen. */
  value: string
  /** What the person sees. */
  label: string
  hint?: string
}

export interface Prompter {
  confirm(message: string, options?: {initial?: boolean}): Promise<boolean>
  select(message: string, choices: readonly Choice[], options?: {initial?: string}): Promise<string>
}

/**
 * The one rule for whether a question may be asked: stdin and stdout are terminals and CI is not on
 * (read as every ATCR on/off variable is: CI=false or CI=0 is off).
 */
export function promptsAllowed(io: {
  stdin: {isTTY?: boolean}
  stdout: {isTTY?: boolean}
  env: NodeJS.ProcessEnv
}): boolean {
  return Boolean(io.stdin.isTTY && io.stdout.isTTY) && !envFlag(io.env, 'CI')
}

/** The one wording for a question that cannot be asked (no terminal): name the flag that answers it. */
export function cannotAskWithoutTerminal(question: string, flag: string): string {
  return `${question} — cannot ask without a terminal. Pass ${flag}.`
}

/** The person pressed Ctrl-C or Esc at a prompt. */
/** A question cancelled with Ctrl-C or Esc: the one policy, "Cancelled; nothing changed.", exit 130. */
export class PromptCancelledError extends PersonFacingError {
  constructor() {
    super('Cancelled; nothing changed.', {code: 'cancelled', exit: 130})
  }
}

interface EnquirerModule {
  prompt(questions: Record<string, unknown>): Promise<Record<string, unknown>>
}

/**
 * enquirer 2.4.1 pauses its readline after Node (>= 24.2) has already closed it on Ctrl-C, which throws
 * ERR_USE_AFTER_CLOSE and kills the process with a stack trace (enquirer#483). Pausing a closed
 * interface is a no-op here instead.
 */
async function tolerateReadlinePauseAfterClose(): Promise<void> {
  const {Interface} = await import('node:readline')
  const prototype = Interface.prototype as {pause(): unknown; closed?: boolean; atcrSafePause?: true}
  if (prototype.atcrSafePause) return
  const pause = prototype.pause
  prototype.pause = function (this: {closed?: boolean}) {
    return this.closed ? this : pause.call(this)
  }
  prototype.atcrSafePause = true
}

async function ask(question: Record<string, unknown>, streams: PrompterStreams): Promise<unknown> {
  const enquirer = ((await import('enquirer')) as unknown as {default: EnquirerModule}).default
  await tolerateReadlinePauseAfterClose()
  try {
    const answers = await enquirer.prompt({
      name: 'answer',
      stdin: streams.stdin,
      stdout: streams.stdout,
      ...question,
    })
    return answers.answer
  } catch (error) {
    // enquirer rejects with an empty string (or nothing) when the person cancels.
    if (error === '' || error === undefined || (error instanceof Error && error.message === ''))
      throw new PromptCancelledError()
    throw error
  }
}

/**
 * What a confirm prompt shows after the question: what the person typed while they type, then "yes" or
 * "no" (enquirer's default shows "false" before anything is typed, and "true"/"false" after).
 */
function confirmAnswer(this: {state: {submitted: boolean; input: string}}, value: unknown): string {
  if (!this.state.submitted) return this.state.input
  return value ? 'yes' : 'no'
}

export interface PrompterStreams {
  stdin: NodeJS.ReadStream
  /** Prompts draw on stderr so that stdout stays clean for programs. */
  stdout: NodeJS.WriteStream
}

export function enquirerPrompter(
  streams: PrompterStreams = {stdin: process.stdin, stdout: process.stderr},
): Prompter {
  return {
    async confirm(message, options = {}) {
      return Boolean(
        await ask(
          {type: 'confirm', message, initial: options.initial ?? false, format: confirmAnswer},
          streams,
        ),
      )
    },
    async select(message, choices, options = {}) {
      const initialIndex =
        options.initial === undefined
          ? 0
          : Math.max(
              0,
              choices.findIndex((c) => c.value === options.initial),
            )
      const answer = await ask(
        {
          type: 'select',
          message,
          initial: initialIndex,
          choices: choices.map((choice) => ({name: choice.value, message: choice.label, hint: choice.hint})),
        },
        streams,
      )
      return String(answer)
    },
  }
}
