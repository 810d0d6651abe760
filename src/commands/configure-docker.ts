import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {homedir} from 'node:os'

import {PeopleCommand} from '../base/people-command.ts'
import {DEFAULT_REGISTRY} from '../base/registry-command.ts'
import {listRegistries} from '../lib/config/registry-entries.ts'
import {
  configureDocker,
  type ConfigureDockerInput,
  type ConfigureDockerResult,
  ReplacingAnotherHelperError,
} from '../lib/docker-config/cred-helpers.ts'
import {DockerConfigError, dockerConfigPath} from '../lib/docker-config/docker-config-file.ts'
import {checkHelperOnPath, type HelperCheck} from '../lib/docker-config/helper-on-path.ts'
import {BIN} from '../lib/product.ts'
import {InvalidServerAddressError, parseServerAddress} from '../lib/registry/server-address.ts'

export type ConfigureDockerOutput = ConfigureDockerResult & {helper: HelperCheck}

export default class ConfigureDocker extends PeopleCommand {
  static override summary = 'Point Docker at this helper for atcr.io and your registries.'
  static override description = `Adds "credHelpers": {"<host>": "atcr"} entries to $DOCKER_CONFIG/config.json (default ~/.docker/config.json), keeping everything else in the file.
Without REGISTRY arguments: atcr.io and every registry you have logged in to.
An entry that names another credential helper is replaced only after you agree (at a terminal) or with --force.
Also checks that Docker can start ${BIN} from PATH with Node.js 22 or newer.`
  static override examples = [
    {description: 'atcr.io and every registry you use', command: '<%= config.bin %> configure-docker'},
    {
      description: 'Only some registries',
      command: '<%= config.bin %> configure-docker buoy.cr localhost:5000',
    },
    {
      description: 'Show the change without writing it',
      command: '<%= config.bin %> configure-docker --dry-run',
    },
  ]
  static override strict = false
  static override args = {
    registry: Args.string({
      description: 'registry hosts (several allowed), like atcr.io buoy.cr',
      required: false,
      ignoreStdin: true, // never read hosts from a pipe (see RegistryCommand)
    }),
  }
  static override enableJsonFlag = true
  static override flags = {
    'dry-run': Flags.boolean({summary: 'Show the change to config.json and write nothing.'}),
    force: Flags.boolean({
      char: 'f',
      summary: "Replace another credential helper's entry for these registries without asking.",
    }),
  }

  private hostsFrom(argv: readonly string[]): string[] {
    if (argv.length === 0) {
      const configured = listRegistries(this.loadAccounts()).map((registry) => registry.host)
      return [...new Set([DEFAULT_REGISTRY, ...configured])]
    }
    return [
      ...new Set(
        argv.map((argument) => {
          try {
            return parseServerAddress(argument).host
          } catch (error) {
            if (error instanceof InvalidServerAddressError)
              this.error(`${error.message}. Example: ${BIN} configure-docker atcr.io`, {exit: 2})
            throw error
          }
        }),
      ),
    ]
  }

  async run(): Promise<ConfigureDockerOutput> {
    const {argv, flags} = await this.parse(ConfigureDocker)
    const hosts = this.hostsFrom(argv as string[])
    const file = dockerConfigPath(process.env, homedir())
    const dryRun = Boolean(flags['dry-run'])

    const result = await this.configure({file, hosts, dryRun, mayReplace: Boolean(flags.force)})
    const helper = await checkHelperOnPath({
      env: process.env,
      platform: process.platform,
      runningNode: process.execPath,
    })

    this.present(hosts, result, helper)
    return {...result, helper}
  }

  /** Write the change; an entry of another helper is replaced only with --force or the person's yes. */
  private async configure(input: ConfigureDockerInput): Promise<ConfigureDockerResult> {
    try {
      return configureDocker(input)
    } catch (error) {
      if (error instanceof ReplacingAnotherHelperError) {
        await this.confirmReplacing(error)
        return this.configure({...input, mayReplace: true})
      }
      if (error instanceof DockerConfigError)
        this.error(
          `Cannot use Docker's config file ${error.message}. Nothing was changed; fix the file, then run this again.`,
          {exit: 1},
        )
      throw error
    }
  }

  private async confirmReplacing(replacing: ReplacingAnotherHelperError): Promise<void> {
    const entries = replacing.replaced.map((entry) => `"${entry.previous}" for ${entry.host}`).join(', ')
    const question = `Docker uses ${entries}. Replace with ${BIN}?`
    const prompter = this.prompter()
    if (!prompter) this.requireFlagWhenNoTerminal(question, '--force')
    // Ctrl-C or Esc: PromptCancelledError, reported by PeopleCommand's catch.
    const agreed = await prompter.confirm(question, {initial: false})
    if (!agreed) {
      this.logToStderr('Nothing was changed.')
      this.exit(1)
    }
  }

  private present(hosts: readonly string[], result: ConfigureDockerResult, helper: HelperCheck): void {
    const where = result.target === result.file ? result.file : `${result.file} (→ ${result.target})`
    const changed = new Set([...result.added, ...result.replaced.map((entry) => entry.host)])
    const changing = hosts.filter((host) => changed.has(host))
    const replacedNote = result.replaced.map((entry) => `${entry.host} used "${entry.previous}"`).join('; ')
    if (changing.length === 0) {
      this.say(
        `Docker already uses ${BIN} for ${result.alreadyConfigured.join(', ')} (${where}); nothing to change.`,
      )
    } else if (result.dryRun) {
      this.log(result.diff) // the result: stdout, muted by --json
      this.say(
        `Dry run: would ${result.created ? 'create' : 'update'} ${where} for ${changing.join(', ')}${replacedNote ? ` (${replacedNote})` : ''}; nothing was written.`,
      )
    } else {
      this.say(
        `Docker now uses ${BIN} for ${changing.join(', ')} (${result.created ? 'created' : 'updated'} ${where})${replacedNote ? `; before, ${replacedNote}` : ''}.`,
      )
    }
    for (const warning of result.warnings) this.say(`Note: ${warning}`)
    if (helper.note) this.say(`Note: ${helper.note}`)
    for (const problem of helper.problems) this.say(`Warning: ${problem}`)
  }
}
