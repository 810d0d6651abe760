/**
 * `plugins link`: @oclif/plugin-plugins' command, behind the same consent as `plugins install` (a linked
 * plugin runs inside the helper with access to every registry secret, like an installed one): a yes at a
 * terminal, or `--trust` (src/lib/plugins/install-consent.ts).
 */
import * as Flags from '@oclif/core/flags'
import type * as Interfaces from '@oclif/core/interfaces'
import {commands} from '@oclif/plugin-plugins'
import path from 'node:path'

import {withOneCatch} from '../../base/people-command.ts'
import {requirePluginConsent} from '../../lib/plugins/install-consent.ts'
import {enquirerPrompter, promptsAllowed} from '../../lib/prompts/prompter.ts'

const PluginPluginsLink: (typeof commands)['plugins:link'] = commands['plugins:link']
/** The plugin's command with PeopleCommand's one catch (src/base/people-command.ts). */
const WithOneCatch: (typeof commands)['plugins:link'] = withOneCatch(PluginPluginsLink)

export default class PluginsLink extends WithOneCatch {
  // Restated: oclif's parse() reads a command's own static properties, not inherited ones.
  static override args = PluginPluginsLink.args
  static override summary = 'Link a plugin from a directory (for plugin development).'
  static override flags: (typeof commands)['plugins:link']['flags'] & {
    trust: Interfaces.BooleanFlag<boolean>
  } = {
    ...commands['plugins:link'].flags,
    trust: Flags.boolean({
      description:
        'Link a third-party plugin without asking. It will run with access to your registry device secrets.',
    }),
  }
  static override examples = ['<%= config.bin %> <%= command.id %> ./my-plugin --trust']

  override async run(): Promise<void> {
    const {args, flags} = await this.parse(PluginsLink)
    await requirePluginConsent({
      plugin: {type: 'link', path: path.resolve(args.path)},
      bin: this.config.bin,
      trusted: flags.trust === true,
      canPrompt: promptsAllowed(process),
      prompter: enquirerPrompter(),
      warn: (line) => process.stderr.write(`${line}\n`),
    })
    // The plugin's own run() parses again with its own flags, which do not know --trust.
    this.argv = this.argv.filter((argument) => argument !== '--trust')
    return super.run()
  }
}
