/**
 * `plugins`: the installed and linked plugins, each with its trust state on get (replaces
 * @oclif/plugin-plugins' list, whose --json printed about 2 400 lines of oclif internals and no trust).
 */
import {PeopleCommand} from '../../base/people-command.ts'
import {type ListedPlugin, listPlugins, pluginLine} from '../../lib/plugins/plugin-list.ts'
import {trustedOnGetFile} from '../../lib/plugins/trusted-on-get.ts'

export default class PluginsIndex extends PeopleCommand {
  static override summary = 'List installed plugins, and whether each is trusted to run on get.'
  static override description = `--json prints [{"name", "version", "type": "user" or "link", "trust": "trusted", "lapsed" or "not trusted", "reason": "…" (lapsed only)}].`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override enableJsonFlag = true

  async run(): Promise<ListedPlugin[]> {
    await this.parse(PluginsIndex)
    const plugins = listPlugins(this.config.getPluginsList(), trustedOnGetFile(this.accountPaths.directory))
    if (plugins.length === 0)
      this.say(`No plugins installed. Add one with: ${this.config.bin} plugins install NAME`)
    for (const plugin of plugins) this.log(pluginLine(plugin, this.config.bin))
    return plugins
  }
}
