import {Command} from '@oclif/core'

import {reportCommandError} from '../lib/errors/report-error.ts'

export interface VersionInfo {
  name: string
  version: string
  /** Without the leading `v`, as in `process.versions.node`. */
  node: string
  /** `linux-x64`, `darwin-arm64`, `win32-x64`. */
  platform: string
}

/** `docker-credential-atcr 0.1.0 (node v24.1.0; linux-x64)` */
export function versionLine(info: VersionInfo): string {
  return `${info.name} ${info.version} (node v${info.node}; ${info.platform})`
}

export default class Version extends Command {
  static override summary = 'Show the version, the Node.js version and the platform.'
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json']
  static override enableJsonFlag = true

  async run(): Promise<VersionInfo> {
    await this.parse(Version)
    const info: VersionInfo = {
      name: this.config.bin,
      version: this.config.version,
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
    }
    this.log(versionLine(info))
    return info
  }

  protected override async catch(error: Error): Promise<unknown> {
    return this.exit(reportCommandError(error, this))
  }
}
