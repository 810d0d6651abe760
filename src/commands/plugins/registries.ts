import {PeopleCommand} from '../../base/people-command.ts'
import type {ContributedRegistry} from '../../lib/plugins/contributed-registries.ts'

export default class PluginsRegistries extends PeopleCommand {
  static override summary =
    'List the registries installed plugins contribute, with the AppView URL the helper uses for each.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override enableJsonFlag = true

  async run(): Promise<ContributedRegistry[]> {
    await this.parse(PluginsRegistries)
    const registries = [...(await this.contributedRegistries()).values()]
    for (const registry of registries) {
      // With no account's own URL to override it, a contributed registry's AppView is the plugin's.
      this.log(
        `${registry.host}  ${registry.appViewUrl}  (from ${registry.plugin}${registry.description ? `: ${registry.description}` : ''})`,
      )
    }
    if (registries.length === 0) this.say('No installed plugin contributes a registry.')
    return registries
  }
}
