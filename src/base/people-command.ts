/**
 * Base of every command a person types (login, logout, status, switch, configure-docker, version).
 *
 * - Config access: the account file paths from the environment, loading and locked updates.
 * - `--json` where a command's result is data (set `static enableJsonFlag = true` and return the result).
 * - Prompts only when stdin and stdout are terminals and CI is unset (`canPrompt`); otherwise fail at once
 *   naming the flag that answers the question (`requireFlagWhenNoTerminal`).
 * - A warning on stderr when the account file or its directory is group- or world-accessible.
 * - Errors become a clear message and an exit code, never a stack trace (set ATCR_DEBUG=1 for one).
 */
import {Command, Errors, type Interfaces} from '@oclif/core'
import {homedir} from 'node:os'

import type {AccountFile} from '../lib/config/account-file.ts'
import {
  AccountFileError,
  accountFilePaths,
  type AccountFilePaths,
  loadAccounts,
  updateAccounts,
} from '../lib/config/account-store.ts'
import {describeAccountFileError} from '../lib/config/account-file-errors.ts'
import {looseModes, looseModeWarning} from '../lib/config/file-modes.ts'
import {REGISTRIES_HOOK_TIMEOUT_MS} from '../hooks/contract.ts'
import {type ContributedRegistry, mergeContributions} from '../lib/plugins/contributed-registries.ts'
import {appViewUrlFor, readInsecureRegistries} from '../lib/registry/appview-url.ts'

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

  protected updateAccounts<T>(change: (accounts: AccountFile) => T): T {
    return updateAccounts(this.accountPaths, change, {onWait: (line) => this.say(line)})
  }

  private contributed?: Promise<Map<string, ContributedRegistry>>

  /**
   * Registries contributed by installed plugins (`registries` hook, src/hooks/contract.ts), by canonical
   * host. The hook runs at most once per command; a failing or slow plugin is reported and skipped.
   */
  protected contributedRegistries(): Promise<Map<string, ContributedRegistry>> {
    this.contributed ??= this.config
      .runHook('registries', {}, REGISTRIES_HOOK_TIMEOUT_MS, true)
      .then((result) => {
        for (const failure of result.failures)
          this.warn(
            `plugin ${failure.plugin.name}: the registries hook failed (${failure.error.message}); ignoring it`,
          )
        const merged = mergeContributions(
          result.successes.map((success) => ({plugin: success.plugin.name, result: success.result})),
        )
        for (const problem of merged.problems) this.warn(`plugin ${problem}`)
        return merged.registries
      })
    return this.contributed
  }

  /** The AppView URL of a registry host: an account's stored URL, else a plugin's, else the built-in rule. */
  protected async resolveAppViewUrl(host: string, accountAppViewUrl?: string): Promise<string> {
    const contributed = (await this.contributedRegistries()).get(host)
    return appViewUrlFor(host, {
      accountAppViewUrl,
      contributedAppViewUrl: contributed?.appViewUrl,
      insecureRegistries: () => this.insecureRegistries(),
    })
  }

  /**
   * The base URL a new registry is keyed by in the account file: the registry's own address by the
   * built-in rule, never a plugin's AppView URL, so that `get` finds it by the host Docker sends.
   */
  protected registryBaseUrl(host: string): string {
    return appViewUrlFor(host, {insecureRegistries: () => this.insecureRegistries()})
  }

  private insecureRegistries(): readonly string[] {
    return readInsecureRegistries({env: process.env, homedir: homedir(), platform: process.platform})
  }

  /** Prompts are allowed only for a person at a terminal. */
  protected canPrompt(): boolean {
    return Boolean(process.stdin.isTTY && process.stdout.isTTY && !process.env.CI)
  }

  /** Fail at once, naming the flag that answers the question a prompt would have asked. */
  protected requireFlagWhenNoTerminal(question: string, flag: string): never {
    this.error(`${question} — cannot ask without a terminal. Pass ${flag}.`, {exit: 2})
  }

  /** A line for the person: stderr, so stdout stays clean for programs and --json. */
  protected say(message: string): void {
    process.stderr.write(`${message}\n`)
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    if (error instanceof AccountFileError) {
      const message = describeAccountFileError(error, {audience: 'people'})
      return super.catch(new Errors.CLIError(message, {exit: 1}))
    }
    return super.catch(error)
  }
}
