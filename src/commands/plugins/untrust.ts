import * as Args from '@oclif/core/args'

import {PeopleCommand} from '../../base/people-command.ts'
import {trustedOnGetFile, untrustPlugins} from '../../lib/plugins/trusted-on-get.ts'

export interface UntrustResult {
  plugin: string
  wasTrusted: boolean
  /** Plugins still trusted on get. */
  remaining: string[]
}

export default class PluginsUntrust extends PeopleCommand {
  static override summary = 'Stop a plugin from running on get.'
  static override examples = ['<%= config.bin %> <%= command.id %> atcr-plugin-example']
  static override enableJsonFlag = true
  static override args = {
    plugin: Args.string({
      description: 'name of a plugin trusted with "plugins trust"',
      required: true,
      ignoreStdin: true,
    }),
  }

  async run(): Promise<UntrustResult> {
    const {args} = await this.parse(PluginsUntrust)
    const file = trustedOnGetFile(this.accountPaths.directory)
    const {removed, remaining} = untrustPlugins(file, [args.plugin])
    const wasTrusted = removed.length > 0
    this.say(
      wasTrusted
        ? `${args.plugin} no longer runs on get.`
        : `${args.plugin} was not trusted on get; nothing changed.`,
    )
    return {plugin: args.plugin, wasTrusted, remaining}
  }
}
