/**
 * Base of every command a person types (login, logout, status, switch, configure-docker, version).
 *
 * - Config access: the account file paths from the environment, loading and locked updates.
 * - `--json` where a command's result is data (set `static enableJsonFlag = true` and return the result).
 * - Prompts only when stdin and stdout are terminals and CI is unset (`prompter()` is undefined otherwise);
 *   lib code then fails at once naming the flag that answers the question. One policy for a question
 *   cancelled with Ctrl-C or Esc: "Cancelled; nothing changed.", exit 130.
 * - A warning on stderr when the account file or its directory is group- or world-accessible.
 * - Errors become a clear message and an exit code, never a stack trace (set ATCR_DEBUG=1 for one).
 */
import {Command} from '@oclif/core/command'
import type * as Interfaces from '@oclif/core/interfaces'
import {homedir} from 'node:os'

import type {AccountFile} from '../lib/config/account-file.ts'
import {
  accountFilePaths,
  type AccountFilePaths,
  loadAccounts,
  updateAccounts,
} from '../lib/config/account-store.ts'
import {looseModes, looseModeWarning} from '../lib/config/file-modes.ts'
import {REGISTRIES_HOOK_TIMEOUT_MS} from '../lib/plugins/hook-contract.ts'
import {type ContributedRegistry, mergeContributions} from '../lib/plugins/contributed-registries.ts'
import {reportCommandError} from '../lib/errors/report-error.ts'
import {
  cannotAskWithoutTerminal,
  enquirerPrompter,
  type Prompter,
  promptsAllowed,
} from '../lib/prompts/prompter.ts'

/** oclif's FlagOutput/ArgOutput, which its index does not export. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ParserRecord = Record<string, any>

export abstract class PeopleCommand extends Command {
  /**
   * oclif spreads the command class into its parser options, which copies only the class's own static
   * members: a subclass would lose inherited `args` (RegistryCommand's REGISTRY) and `strict`. Read
   * every parser input through the prototype chain instead, once, here.
   */
  protected override async parse<F extends ParserRecord, B extends ParserRecord, A extends ParserRecord>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const input = options ?? (this.constructor as unknown as Interfaces.Input<F, B, A>)
    const {args, flags, baseFlags, enableJsonFlag, strict} = input
    return super.parse({...input, args, flags, baseFlags, enableJsonFlag, strict}, argv)
  }

  /** Warn once when the account file or its directory is open to other users (secrets at rest). */
  override async init(): Promise<void> {
    await super.init()
    const warning = looseModeWarning(looseModes(this.accountPaths))
    if (warning !== undefined) this.say(warning)
  }

  /** Where the account file lives for this process. */
  protected get accountPaths(): AccountFilePaths {
    return accountFilePaths(process.env, homedir())
  }

  protected loadAccounts(): AccountFile {
    return loadAccounts(this.accountPaths)
  }

  private saidWaiting = false

  /**
   * A busy account file is announced once per command: login and logout take the lock twice (first to
   * prove the save can be made, then to save), and the person needs to hear it only once.
   */
  protected readonly sayWaitingOnce = (line: string): void => {
    if (this.saidWaiting) return
    this.saidWaiting = true
    this.say(line)
  }

  protected updateAccounts<T>(change: (accounts: AccountFile) => T): T {
    return updateAccounts(this.accountPaths, change, {onWait: this.sayWaitingOnce})
  }

  private contributed?: Promise<Map<string, ContributedRegistry>>

  /**
   * Registries contributed by installed plugins (`registries` hook, src/lib/plugins/hook-contract.ts), by canonical
   * host. The hook runs at most once per command; a failing or slow plugin is reported and skipped.
   */
  protected contributedRegistries(): Promise<Map<string, ContributedRegistry>> {
    this.contributed ??= this.config
      .runHook('registries', {}, REGISTRIES_HOOK_TIMEOUT_MS, true)
      .then((result) => {
        for (const failure of result.failures)
          this.say(
            `Warning: plugin ${failure.plugin.name}: the registries hook failed (${failure.error.message}); ignoring it`,
          )
        const merged = mergeContributions(
          result.successes.map((success) => ({plugin: success.plugin.name, result: success.result})),
        )
        for (const problem of merged.problems) this.say(`Warning: plugin ${problem}`)
        return merged.registries
      })
    return this.contributed
  }

  /** Prompts are allowed only for a person at a terminal. */
  protected canPrompt(): boolean {
    return promptsAllowed(process)
  }

  /** Someone to ask, only when a person is at a terminal (`canPrompt`); lib code takes it as a parameter. */
  protected prompter(): Prompter | undefined {
    return this.canPrompt() ? enquirerPrompter() : undefined
  }

  /** Fail at once, naming the flag that answers the question a prompt would have asked. */
  protected requireFlagWhenNoTerminal(question: string, flag: string): never {
    this.error(cannotAskWithoutTerminal(question, flag), {exit: 2})
  }

  /** A line for the person: stderr, so stdout stays clean for programs and --json. */
  protected say(message: string): void {
    process.stderr.write(`${message}\n`)
  }

  /** Every error: one `Error: …` line, or `{"error": {code, message}}` under --json (src/lib/errors). */
  protected override async catch(error: Error): Promise<unknown> {
    // Through the one reporter, never oclif's own catch, which under --json prints its error object
    // ({"error": {"oclif": …, "name": …}}) instead of the project's {"error": {code, message}}.
    return this.exit(reportCommandError(error, this))
  }
}
