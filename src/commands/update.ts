/**
 * `update [CHANNEL]`: oclif's update command (from @oclif/plugin-update) for installs made from the
 * release tarballs, with two additions:
 *   - `ATCR_UPDATE_HOST` overrides the release host from package.json (mirrors, tests);
 *   - an npm or source install, which cannot replace itself, is told the exact command that updates
 *     it, and the command succeeds.
 * The plugin itself is not registered in package.json: its init hook would start a background
 * self-update from every command, where this helper only shows a daily notice (src/hooks/update-notice.ts).
 */
import type {Interfaces} from '@oclif/core'
import {commands} from '@oclif/plugin-update'

import type {ParserRecord} from '../base/people-command.ts'

import {currentChannel} from '../lib/update/channel.ts'
import {CHANNELS, detectInstallKind, updateCommandFor} from '../lib/update/install-kind.ts'
import {RELEASE_HOST_ENV, releaseHost} from '../lib/update/release-host.ts'

export default class Update extends commands.update {
  // Restated: oclif's parse() reads a command's own static properties, not inherited ones.
  // The channel is never read from piped stdin (oclif fills a missing argument from it otherwise).
  static override args: typeof commands.update.args = {
    channel: {...commands.update.args.channel, ignoreStdin: true},
  }
  static override flags = commands.update.flags
  static override summary =
    'Update docker-credential-atcr to the newest release of a channel (stable or beta).'
  static override description = `Installs made from the release tarballs replace themselves; npm installs are told the npm command to run.
Channels: ${CHANNELS.join(', ')} (npm dist-tags: latest, beta). The channel you pick is remembered for later updates.
${RELEASE_HOST_ENV} overrides the release host (for a mirror).`
  static override examples = [
    {
      command: '<%= config.bin %> <%= command.id %>',
      description: 'Update on the channel you follow (stable by default):',
    },
    {
      command: '<%= config.bin %> <%= command.id %> beta',
      description: 'Switch to the beta channel and update:',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --available',
      description: 'See the releases on the host:',
    },
  ]

  /** plugin-update's run() parses again with its own class: give it these args (no stdin) as well. */
  protected override async parse<F extends ParserRecord, B extends ParserRecord, A extends ParserRecord>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const input = options === undefined || options === commands.update ? (Update as typeof options) : options
    return super.parse(input, argv)
  }

  override async run(): Promise<void> {
    const {args, flags} = await this.parse(Update)
    const channel = args.channel ?? currentChannel(this.config.dataDir, this.config.version)
    if (args.channel && !(CHANNELS as readonly string[]).includes(args.channel)) {
      this.error(
        `Unknown channel "${args.channel}". Channels: ${CHANNELS.join(', ')}. Example: ${this.config.bin} update beta`,
        {
          exit: 2,
        },
      )
    }
    const kind = detectInstallKind({binPath: this.config.binPath, root: this.config.root})
    if (kind !== 'tarball') {
      const command = updateCommandFor(kind, {bin: this.config.bin, packageName: this.config.name, channel})
      const how = kind === 'npm' ? 'by npm' : `from source (${this.config.root})`
      this.logToStderr(
        `This copy of ${this.config.bin} ${this.config.version} was installed ${how} and cannot replace itself.`,
      )
      this.logToStderr(`To update it${flags.version ? '' : ` to the newest ${channel} release`}, run:`)
      this.logToStderr(
        `  ${flags.version && kind === 'npm' ? `npm i -g ${this.config.name}@${flags.version}` : command}`,
      )
      return
    }
    const host = releaseHost(process.env, this.config.updateConfig.s3?.host)
    if (!host)
      this.error(`No release host is configured. Set ${RELEASE_HOST_ENV}=<url of the release host>.`, {
        exit: 1,
      })
    this.config.updateConfig.s3 = {...this.config.updateConfig.s3, host}
    return super.run()
  }
}
