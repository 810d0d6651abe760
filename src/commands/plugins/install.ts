/**
 * `plugins install`: @oclif/plugin-plugins' command with a `--trust` flag, which answers the consent
 * question of the plugins:preinstall hook (src/hooks/confirm-plugin-install.ts) without a terminal.
 * The project's own command wins over the plugin's because core commands of the root package take
 * precedence (see test/plugins/core-precedence.test.ts).
 */
import * as Flags from '@oclif/core/flags'
import type * as Interfaces from '@oclif/core/interfaces'
import {commands} from '@oclif/plugin-plugins'
import {homedir} from 'node:os'

import {withOneCatch} from '../../base/people-command.ts'
import {rememberTrustFlag} from '../../lib/plugins/install-consent.ts'
import {localPluginPath, localPluginSpec} from '../../lib/plugins/plugin-source.ts'

const PluginPluginsInstall: (typeof commands)['plugins:install'] = commands['plugins:install']
/** The plugin's command with PeopleCommand's one catch (src/base/people-command.ts). */
const WithOneCatch: (typeof commands)['plugins:install'] = withOneCatch(PluginPluginsInstall)

export default class PluginsInstall extends WithOneCatch {
  // Restated: oclif's parse() reads a command's own static properties, not inherited ones.
  static override args = PluginPluginsInstall.args
  static override strict = false
  static override flags: (typeof commands)['plugins:install']['flags'] & {
    trust: Interfaces.BooleanFlag<boolean>
  } = {
    ...commands['plugins:install'].flags,
    trust: Flags.boolean({
      description:
        'Install a third-party plugin without asking. It will run with access to your registry device secrets.',
    }),
  }
  static override examples = [
    {
      command: '<%= config.bin %> <%= command.id %> @atcr/plugin-example',
      description: 'Install a plugin of the project:',
    },
    {
      command: '<%= config.bin %> <%= command.id %> some-plugin --trust',
      description: 'Install a third-party plugin from a script (no question asked):',
    },
  ]

  override async run(): Promise<void> {
    const {flags} = await this.parse(PluginsInstall)
    rememberTrustFlag(flags.trust === true)
    // The plugin's own run() parses again with its own flags, which do not know --trust.
    this.argv = this.argv.filter((argument) => argument !== '--trust')
    return super.run()
  }

  /** A local path (`/tmp/x.tgz`, `./x.tgz`, `x.tgz`, a directory) is `file:<path>` for npm, never GitHub. */
  override async parsePlugin(
    ...[plugins, input]: Parameters<InstanceType<typeof PluginPluginsInstall>['parsePlugin']>
  ): ReturnType<InstanceType<typeof PluginPluginsInstall>['parsePlugin']> {
    const local = localPluginPath(input, process.cwd(), homedir())
    if (local === undefined) return super.parsePlugin(plugins, input)
    return {type: 'repo', url: localPluginSpec(local)}
  }
}
