import {Args} from '@oclif/core'
import {rmSync} from 'node:fs'

import {PeopleCommand} from '../../base/people-command.ts'
import {readTrustedOnGet, trustedOnGetFile, writeTrustedOnGet} from '../../lib/plugins/trusted-on-get.ts'

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
    const settings = readTrustedOnGet(file)
    const wasTrusted = args.plugin in settings.plugins
    delete settings.plugins[args.plugin]
    const remaining = Object.keys(settings.plugins)
    // No file at all when nothing is trusted: get is back to a single stat.
    if (remaining.length === 0) rmSync(file, {force: true})
    else writeTrustedOnGet(file, settings)
    this.say(
      wasTrusted
        ? `${args.plugin} no longer runs on get.`
        : `${args.plugin} was not trusted on get; nothing changed.`,
    )
    return {plugin: args.plugin, wasTrusted, remaining}
  }
}
