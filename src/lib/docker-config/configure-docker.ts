/**
 * `configure-docker` as one function: which hosts (the REGISTRY arguments, else atcr.io and every saved
 * registry), the credHelpers change (replacing another helper's entry only with --force or a yes at a
 * terminal), whether Docker can start the helper, and the lines a person reads. The command parses
 * flags and prints (src/commands/configure-docker.ts); every decision is here.
 */
import {DEFAULT_REGISTRY} from '../accounts/choose-registry.ts'
import {PersonFacingError} from '../errors/person-facing-error.ts'
import {BIN} from '../product.ts'
import {cannotAskWithoutTerminal, type Prompter} from '../prompts/prompter.ts'
import {InvalidServerAddressError, parseServerAddress} from '../registry/server-address.ts'
import {
  configureDocker,
  type ConfigureDockerInput,
  type ConfigureDockerResult,
  ReplacingAnotherHelperError,
} from './cred-helpers.ts'
import {DockerConfigError} from './docker-config-file.ts'
import {type HelperCheck, type HelperCheckEnvironment} from './helper-on-path.ts'

export type ConfigureDockerOutput = ConfigureDockerResult & {helper: HelperCheck}

export interface ConfigureDockerRequest {
  /** config.json (possibly a symlink). */
  file: string
  /** The REGISTRY arguments as typed; none means atcr.io and every saved registry. */
  registries: readonly string[]
  /** Canonical hosts of the saved registries (read only when no REGISTRY is given). */
  savedHosts: () => readonly string[]
  dryRun: boolean
  /** --force: replace another helper's entry without asking. */
  force: boolean
  /** Someone to ask, at a terminal only. */
  prompter?: Prompter
  /** Whether Docker can start the helper (checkHelperOnPath, or a fake). */
  checkHelper: (environment: HelperCheckEnvironment) => Promise<HelperCheck>
  helperEnvironment: HelperCheckEnvironment
}

export type ConfigureDockerAnswer = ConfigureDockerDone | {declined: true; notes: string[]}

export interface ConfigureDockerDone {
  declined?: false
  output: ConfigureDockerOutput
  /** The result, for stdout (the dry run's diff). */
  result: string[]
  /** Progress, notes and warnings, for stderr. */
  notes: string[]
}

/** Canonical hosts of the REGISTRY arguments, else atcr.io and every saved registry. */
export function hostsToConfigure(
  registries: readonly string[],
  savedHosts: () => readonly string[],
): string[] {
  if (registries.length === 0) return [...new Set([DEFAULT_REGISTRY, ...savedHosts()])]
  return [
    ...new Set(
      registries.map((argument) => {
        try {
          return parseServerAddress(argument).host
        } catch (error) {
          if (error instanceof InvalidServerAddressError)
            throw new PersonFacingError(`${error.message}. Example: ${BIN} configure-docker atcr.io`, {
              exit: 2,
            })
          throw error
        }
      }),
    ),
  ]
}

/** The person said no: not an error, but nothing was done (exit 1). */
class Declined extends Error {}

/** Write the change; an entry of another helper is replaced only with --force or the person's yes. */
async function configure(
  input: ConfigureDockerInput,
  prompter: Prompter | undefined,
): Promise<ConfigureDockerResult> {
  try {
    return configureDocker(input)
  } catch (error) {
    if (error instanceof ReplacingAnotherHelperError) {
      const entries = error.replaced.map((entry) => `"${entry.previous}" for ${entry.host}`).join(', ')
      const question = `Docker uses ${entries}. Replace with ${BIN}?`
      if (!prompter) throw new PersonFacingError(cannotAskWithoutTerminal(question, '--force'), {exit: 2})
      // Ctrl-C or Esc: PromptCancelledError, reported by the command's one catch.
      if (!(await prompter.confirm(question, {initial: false}))) throw new Declined()
      return configure({...input, mayReplace: true}, prompter)
    }
    if (error instanceof DockerConfigError)
      throw new PersonFacingError(
        `Cannot use Docker's config file ${error.message}. Nothing was changed; fix the file, then run this again.`,
      )
    throw error
  }
}

/** What a person reads about the change and about Docker finding the helper. */
function describe(hosts: readonly string[], result: ConfigureDockerResult, helper: HelperCheck): string[] {
  const notes: string[] = []
  const where = result.target === result.file ? result.file : `${result.file} (→ ${result.target})`
  const changed = new Set([...result.added, ...result.replaced.map((entry) => entry.host)])
  const changing = hosts.filter((host) => changed.has(host))
  const replacedNote = result.replaced.map((entry) => `${entry.host} used "${entry.previous}"`).join('; ')
  if (changing.length === 0)
    notes.push(
      `Docker already uses ${BIN} for ${result.alreadyConfigured.join(', ')} (${where}); nothing to change.`,
    )
  else if (result.dryRun)
    notes.push(
      `Dry run: would ${result.created ? 'create' : 'update'} ${where} for ${changing.join(', ')}${replacedNote ? ` (${replacedNote})` : ''}; nothing was written.`,
    )
  else
    notes.push(
      `Docker now uses ${BIN} for ${changing.join(', ')} (${result.created ? 'created' : 'updated'} ${where})${replacedNote ? `; before, ${replacedNote}` : ''}.`,
    )
  for (const warning of result.warnings) notes.push(`Note: ${warning}`)
  if (helper.note) notes.push(`Note: ${helper.note}`)
  for (const problem of helper.problems) notes.push(`Warning: ${problem}`)
  return notes
}

/** The one entry point of `configure-docker`. */
export async function configureDockerFor(request: ConfigureDockerRequest): Promise<ConfigureDockerAnswer> {
  const hosts = hostsToConfigure(request.registries, request.savedHosts)
  let result: ConfigureDockerResult
  try {
    result = await configure(
      {file: request.file, hosts, dryRun: request.dryRun, mayReplace: request.force},
      request.prompter,
    )
  } catch (error) {
    if (error instanceof Declined) return {declined: true, notes: ['Nothing was changed.']}
    throw error
  }
  const helper = await request.checkHelper(request.helperEnvironment)
  const changing = result.added.length + result.replaced.length > 0
  return {
    output: {...result, helper},
    result: changing && result.dryRun ? [result.diff] : [],
    notes: describe(hosts, result, helper),
  }
}
