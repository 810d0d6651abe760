import * as Args from '@oclif/core/args'
import {existsSync} from 'node:fs'

import {PeopleCommand} from '../../base/people-command.ts'
import {
  hooksToTrust,
  identityHookModules,
  readTrustSettings,
  TrustedOnGetFileError,
  trustedOnGetFile,
  writeTrustedOnGet,
} from '../../lib/plugins/trusted-on-get.ts'
import {looseCodeFilesWarning} from '../../lib/trust/code-files.ts'

export interface TrustResult {
  plugin: string
  hooks: string[]
  file: string
}

export default class PluginsTrust extends PeopleCommand {
  static override summary =
    "Let an installed plugin's identityFromCommandLine hook run on get (every pull and push)."
  static override description = `By default no plugin code runs while Docker asks for credentials. A trusted plugin may name the account for clients the helper does not understand, and only when the client's command line does not already name a known account and ATCR_ACCOUNT is unset.
Trust is for the installed code: get skips the plugin once it is updated or a hook file changes (its SHA-256 is recorded now), until you trust it again. Hook files must lie inside the plugin's directory.
The choice is kept in $ATCR_CONFIG_DIR/plugins-on-get.json (default ~/.atcr). Undo it with "plugins untrust".`
  static override examples = ['<%= config.bin %> <%= command.id %> atcr-plugin-example']
  static override enableJsonFlag = true
  static override args = {
    plugin: Args.string({
      description: 'name of an installed or linked plugin',
      required: true,
      ignoreStdin: true,
    }),
  }

  async run(): Promise<TrustResult> {
    const {args} = await this.parse(PluginsTrust)
    const plugin = this.config.getPluginsList().find((candidate) => candidate.name === args.plugin)
    if (!plugin || plugin.type === 'core') {
      this.error(
        `No installed plugin is named ${args.plugin}. See the installed plugins with: ${this.config.bin} plugins`,
        {
          exit: 1,
        },
      )
    }
    const declared = plugin.hooks.identityFromCommandLine ?? []
    if (declared.length === 0) {
      this.error(`${plugin.name} has no identityFromCommandLine hook: there is nothing to run on get.`, {
        exit: 1,
      })
    }
    let hooks
    try {
      hooks = hooksToTrust(plugin.root, identityHookModules(plugin.root, declared, existsSync))
    } catch (error) {
      if (!(error instanceof TrustedOnGetFileError)) throw error
      this.error(`Cannot trust ${plugin.name}: ${error.message}. Nothing was changed.`, {exit: 1})
    }
    const file = trustedOnGetFile(this.accountPaths.directory)
    const settings = readTrustSettings(file)
    settings.plugins[plugin.name] = {version: plugin.version, root: plugin.root, hooks}
    writeTrustedOnGet(file, settings)
    this.say(
      `${plugin.name} ${plugin.version} may now name the account on get (it runs on every pull and push). Undo with: ${this.config.bin} plugins untrust ${plugin.name}`,
    )
    const loose = looseCodeFilesWarning(this.accountPaths.directory, file)
    if (loose) this.say(loose)
    return {plugin: plugin.name, hooks: hooks.map((hook) => hook.file), file}
  }
}
