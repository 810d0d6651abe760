import {PeopleCommand} from '../base/people-command.ts'
import {currentVersionInfo, type VersionInfo, versionLine} from '../lib/cli/version-line.ts'

export {type VersionInfo, versionLine} from '../lib/cli/version-line.ts'

export default class Version extends PeopleCommand {
  static override summary = 'Show the version, the Node.js version and the platform.'
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json']
  static override enableJsonFlag = true

  async run(): Promise<VersionInfo> {
    await this.parse(Version)
    const info = currentVersionInfo(this.config.bin, this.config.version)
    this.log(versionLine(info))
    return info
  }
}
