/**
 * `update [CHANNEL]`: a copy installed from a release tarball (install.sh, or an unpacked tarball)
 * replaces itself with the newest release of a channel, verified by src/lib/update/install-release.ts;
 * an npm or source install, which cannot replace itself, is told the exact command that updates it
 * (for npm, under the prefix it was installed under: src/lib/update/npm-prefix.ts). `--available`
 * lists the release host's releases, or for an npm install the npm registry's
 * (src/lib/update/npm-releases.ts).
 */
import * as Args from '@oclif/core/args'
import {Command} from '@oclif/core/command'
import * as Flags from '@oclif/core/flags'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {reportCommandError} from '../lib/errors/report-error.ts'
import {currentChannel} from '../lib/update/channel.ts'
import {
  availableReleases,
  type AvailableRelease,
  updateInstall,
  UpdateRefused,
} from '../lib/update/install-release.ts'
import {CHANNELS, detectInstallKind, updateCommandFor} from '../lib/update/install-kind.ts'
import {npmInstallCommand, prefixToKeep} from '../lib/update/npm-prefix.ts'
import {NpmRegistryError, npmReleases} from '../lib/update/npm-releases.ts'
import {INSTALLED_FROM_FILE, RELEASE_HOST_ENV, releaseHost} from '../lib/update/release-host.ts'
import {RELEASE_KEY_FILE} from '../lib/update/signed-document.ts'

export default class Update extends Command {
  static override args = {
    // Never read from piped stdin (oclif fills a missing argument from it otherwise).
    channel: Args.string({description: `release channel: ${CHANNELS.join(' or ')}`, ignoreStdin: true}),
  }
  static override flags = {
    available: Flags.boolean({
      char: 'a',
      summary: 'List the releases on the release host (for an npm install: on the npm registry).',
      exclusive: ['version'],
    }),
    force: Flags.boolean({
      summary: 'Install even when it is the same or an older version.',
      exclusive: ['available'],
    }),
    version: Flags.string({char: 'v', summary: 'Install this exact version (the channel you follow stays).'}),
  }
  static override summary =
    'Update docker-credential-atcr to the newest release of a channel (stable or beta).'
  static override description = `Installs made from the release tarballs replace themselves with a release whose signed manifest verifies with their release key; npm installs are told the npm command to run.
For an npm install, --available lists the releases on the npm registry (npm_config_registry if set, else registry.npmjs.org).
Channels: ${CHANNELS.join(', ')} (npm dist-tags: latest, beta). The channel you pick is remembered for later updates. Going to an older version (from beta back to stable, say) needs --force.
The release host is ${RELEASE_HOST_ENV} if set, else the one this copy was installed from, else the default in package.json (oclif.update.s3.host).`
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

  override async run(): Promise<void> {
    const {args, flags} = await this.parse(Update)
    if (args.channel && !(CHANNELS as readonly string[]).includes(args.channel))
      this.error(
        `Unknown channel "${args.channel}". Channels: ${CHANNELS.join(', ')}. Example: ${this.config.bin} update beta`,
        {exit: 2},
      )
    if (args.channel && flags.version)
      this.error(
        `Give a channel or --version, not both. Example: ${this.config.bin} update --version 1.2.0`,
        {exit: 2},
      )
    const followed = currentChannel(this.config.dataDir, this.config.version)
    const channel = args.channel ?? followed
    const kind = detectInstallKind({binPath: this.config.binPath, root: this.config.root})
    if (kind === 'npm' && flags.available) {
      try {
        this.printReleases(await npmReleases({packageName: this.config.name, env: process.env}))
      } catch (error) {
        if (!(error instanceof NpmRegistryError)) throw error
        this.logToStderr(`Error: ${error.message}`)
        this.exit(1)
      }
      return
    }
    if (kind !== 'tarball') {
      const npmPrefix = prefixToKeep({
        root: this.config.root,
        packageName: this.config.name,
        execPath: process.execPath,
        env: process.env,
        platform: process.platform,
      })
      const command =
        flags.version && kind === 'npm'
          ? npmInstallCommand(this.config.name, flags.version, {prefix: npmPrefix})
          : updateCommandFor(kind, {bin: this.config.bin, packageName: this.config.name, channel, npmPrefix})
      const how = kind === 'npm' ? 'by npm' : `from source (${this.config.root})`
      this.logToStderr(
        `This copy of ${this.config.bin} ${this.config.version} was installed ${how} and cannot replace itself.`,
      )
      this.logToStderr(`To update it${flags.version ? '' : ` to the newest ${channel} release`}, run:`)
      this.logToStderr(`  ${command}`)
      return
    }
    const host = releaseHost(process.env, this.config.pjson.oclif.update?.s3?.host, this.config.dataDir)
    if (!host)
      this.error(
        `No release host is configured. Set ${RELEASE_HOST_ENV}=<url of the release host> (or reinstall with install.sh, which records it in ${path.join(this.config.dataDir, INSTALLED_FROM_FILE)}).`,
        {exit: 1},
      )
    const target = {bin: this.config.bin, platform: this.config.platform, arch: this.config.arch}
    const publicKeyPem = this.releaseKey()
    try {
      if (flags.available) {
        this.printReleases(await availableReleases({host, target, publicKeyPem}))
        return
      }
      const outcome = await updateInstall({
        host,
        target,
        channel,
        version: flags.version,
        force: flags.force,
        current: {version: this.config.version, channel: followed, root: this.config.root},
        dataDir: this.config.dataDir,
        publicKeyPem,
        progress: (line) => this.logToStderr(line),
      })
      if (outcome.kind === 'already')
        this.logToStderr(`${this.config.bin}: already on version ${outcome.version} (${channel}).`)
      else
        this.logToStderr(
          `${this.config.bin}: updated from ${outcome.from} to ${outcome.to}${outcome.channel === 'stable' ? '' : ` (${outcome.channel})`}.`,
        )
    } catch (error) {
      if (!(error instanceof UpdateRefused)) throw error
      // One line, unwrapped, that can be pasted back: what was refused, and that nothing changed.
      this.logToStderr(`${error.message} ${this.config.bin} ${this.config.version} is unchanged.`)
      this.exit(1)
    }
  }

  /** oclif's own catch prints its internals (and breaks --json): one project error line instead. */
  protected override async catch(error: Error): Promise<unknown> {
    return this.exit(reportCommandError(error, this))
  }

  /** One line per release on stdout: `<version> <channel> newest <channel>, installed`. */
  private printReleases(releases: AvailableRelease[]): void {
    for (const release of releases) {
      const notes = [
        release.newest ? `newest ${release.channel}` : '',
        release.version === this.config.version ? 'installed' : '',
      ].filter(Boolean)
      this.log(`${release.version.padEnd(16)} ${release.channel.padEnd(8)} ${notes.join(', ')}`.trimEnd())
    }
  }

  /** The public release key this copy was packaged with, if it came from a signed release. */
  private releaseKey(): string | undefined {
    try {
      return readFileSync(path.join(this.config.root, RELEASE_KEY_FILE), 'utf8')
    } catch {
      return undefined
    }
  }
}
