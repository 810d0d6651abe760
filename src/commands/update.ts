/**
 * `update [CHANNEL]`: @oclif/plugin-update's command (download, `client/<version>-<sha>`, `current`, the
 * launcher, channels, `--version`, `--force`, `--interactive`), with what this helper adds on top:
 *
 * - an npm or source install, which cannot replace itself, is told the exact command that updates it
 *   (for npm, under the prefix it was installed under: src/lib/update/npm-prefix.ts), and its
 *   `--available` lists the npm registry's releases (src/lib/update/npm-releases.ts);
 * - a release install installs only what its release key signed. plugin-update fetches documents and the
 *   tarball itself and checks no signature, so before it runs, src/lib/update/verified-release.ts checks
 *   the signed manifest (refused without `sha256gz`) and downloads and hashes the tarball from the real
 *   host; plugin-update is then pointed (its `oclif.update.s3.host`, for this process only) at
 *   src/lib/update/loopback-mirror.ts, which serves exactly those verified bytes. A host that switches
 *   the manifest between two requests cannot get a second tarball installed: there is no second request.
 * - `--available` reads the signed version index; `--json` for it; one-line errors (report-error.ts).
 *
 * plugin-update is not in `oclif.plugins`: its init hook (auto-update) never runs, and nothing of it is
 * loaded unless this command runs (the protocol verbs never load oclif at all: src/entry.ts).
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import path from 'node:path'

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {commands} from '@oclif/plugin-update'

import {reportCommandError} from '../lib/errors/report-error.ts'
import {enquirerPrompter, promptsAllowed} from '../lib/prompts/prompter.ts'
import {currentChannel} from '../lib/update/channel.ts'
import {UpdateRefused} from '../lib/update/fetch-release.ts'
import {CHANNELS, detectInstallKind, updateCommandFor} from '../lib/update/install-kind.ts'
import {serveVerifiedRelease} from '../lib/update/loopback-mirror.ts'
import {npmInstallCommand, prefixToKeep} from '../lib/update/npm-prefix.ts'
import {npmReleases} from '../lib/update/npm-releases.ts'
import {INSTALLED_FROM_FILE, RELEASE_HOST_ENV, releaseHost} from '../lib/update/release-host.ts'
import {RELEASE_KEY_FILE} from '../lib/update/signed-document.ts'
import {
  type AvailableRelease,
  availableReleases,
  downloadRelease,
  fetchVerifiedManifest,
  type ReleaseRequest,
} from '../lib/update/verified-release.ts'
import {compareVersions} from '../lib/update/versions.ts'

export default class Update extends commands.update {
  // oclif's parser reads a command's own statics only: inherited flags are spread in explicitly.
  static override args = {
    // Never read from piped stdin (oclif fills a missing argument from it otherwise).
    channel: Args.string({description: `release channel: ${CHANNELS.join(' or ')}`, ignoreStdin: true}),
  }
  static override flags = {
    ...commands.update.flags,
    // A column of plugin-update's table, which --available here does not draw.
    verbose: Flags.boolean({hidden: true}),
    available: Flags.boolean({
      char: 'a',
      summary: 'List the releases on the release host (for an npm install: on the npm registry).',
      exclusive: ['version', 'interactive'],
    }),
    force: Flags.boolean({
      summary: 'Install even when it is the same or an older version.',
      exclusive: ['available', 'interactive'],
    }),
    version: Flags.string({
      char: 'v',
      summary: 'Install this exact version (the channel you follow stays).',
      exclusive: ['interactive'],
    }),
  }
  static override enableJsonFlag = true
  static override summary =
    'Update docker-credential-atcr to the newest release of a channel (stable or beta).'
  static override description = `Installs made from the release tarballs replace themselves (with @oclif/plugin-update) with a release whose signed manifest verifies with their release key; npm installs are told the npm command to run.
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
      throw new UpdateRefused(
        `Unknown channel "${args.channel}". Channels: ${CHANNELS.join(', ')}. Example: ${this.config.bin} update beta`,
        {code: 'usage', exit: 2},
      )
    if (args.channel && flags.version)
      throw new UpdateRefused(
        `Give a channel or --version, not both. Example: ${this.config.bin} update --version 1.2.0`,
        {code: 'usage', exit: 2},
      )
    const followed = currentChannel(this.config.dataDir, this.config.version)
    const channel = args.channel ?? followed
    const kind = detectInstallKind({binPath: this.config.binPath, root: this.config.root})
    if (kind === 'npm' && flags.available)
      return this.printReleases(await npmReleases({packageName: this.config.name, env: process.env}))
    if (kind !== 'tarball') return this.tellHowToUpdate(kind, channel, flags.version)

    const host = releaseHost(process.env, this.config.pjson.oclif.update?.s3?.host, this.config.dataDir)
    if (!host)
      throw new UpdateRefused(
        `No release host is configured. Set ${RELEASE_HOST_ENV}=<url of the release host> (or reinstall with install.sh, which records it in ${path.join(this.config.dataDir, INSTALLED_FROM_FILE)}).`,
      )
    const request: ReleaseRequest = {
      host,
      target: {bin: this.config.bin, platform: this.config.platform, arch: this.config.arch},
      publicKeyPem: this.releaseKey(),
    }
    if (flags.available) return this.printReleases(await availableReleases(request))
    const version = flags.interactive ? await this.chooseVersion(request) : flags.version

    try {
      await this.installVerified(request, {channel, followed, version, force: flags.force})
    } catch (error) {
      if (error instanceof UpdateRefused)
        // One line, unwrapped, that can be pasted back: what was refused, and that nothing changed.
        throw new UpdateRefused(`${error.message} ${this.config.bin} ${this.config.version} is unchanged.`, {
          code: error.code,
          exit: error.exit,
        })
      throw error
    }
  }

  /** Verify, download and hash; then plugin-update installs those bytes from the loopback mirror. */
  private async installVerified(
    request: ReleaseRequest,
    {
      channel,
      followed,
      version,
      force,
    }: {channel: string; followed: string; version?: string; force: boolean},
  ): Promise<void> {
    const verified = await fetchVerifiedManifest({...request, channel, version})
    const {manifest} = verified
    const order = compareVersions(manifest.version, this.config.version) ?? 0
    if (order === 0 && !force) {
      this.logToStderr(`${this.config.bin}: already on version ${manifest.version} (${channel}).`)
      return
    }
    if (order < 0 && !force)
      throw new UpdateRefused(
        `Refused to downgrade from ${this.config.version} (${followed}) to ${manifest.version} (${version ? 'by --version' : channel}); to install it anyway, run it again with --force.`,
      )
    const scratch = mkdtempSync(path.join(this.config.cacheDir, 'update-'))
    // What plugin-update's requests go to: Config.s3Url reads updateConfig.s3.host (built from package.json).
    const s3 = (this.config.updateConfig.s3 ??= {})
    const realHost = s3.host
    try {
      this.logToStderr(`Downloading ${manifest.version} from ${request.host}`)
      const tarballFile = await downloadRelease(request, verified, scratch)
      const mirror = await serveVerifiedRelease({
        target: request.target,
        channel,
        version,
        verified,
        tarballFile,
      })
      try {
        s3.host = mirror.url
        // plugin-update's own run, with a command line made only of checked values.
        this.argv = [...(version ? ['--version', version] : [channel]), ...(force ? ['--force'] : [])]
        await super.run()
      } finally {
        s3.host = realHost
        await mirror.close()
      }
    } finally {
      rmSync(scratch, {recursive: true, force: true})
    }
    this.logToStderr(
      `${this.config.bin}: updated from ${this.config.version} to ${manifest.version}${version || channel === 'stable' ? '' : ` (${channel})`}.`,
    )
  }

  private async chooseVersion(request: ReleaseRequest): Promise<string> {
    if (!promptsAllowed(process))
      throw new UpdateRefused('Which version? — cannot ask without a terminal. Pass --version.', {
        code: 'usage',
        exit: 2,
      })
    const releases = await availableReleases(request)
    return enquirerPrompter({stdin: process.stdin, stdout: process.stderr}).select(
      'Select a version to update to',
      releases.map((release) => ({value: release.version, label: release.version, hint: release.channel})),
    )
  }

  private tellHowToUpdate(kind: 'npm' | 'source', channel: string, version: string | undefined): void {
    const npmPrefix = prefixToKeep({
      root: this.config.root,
      packageName: this.config.name,
      execPath: process.execPath,
      env: process.env,
      platform: process.platform,
    })
    const command =
      version && kind === 'npm'
        ? npmInstallCommand(this.config.name, version, {prefix: npmPrefix})
        : updateCommandFor(kind, {bin: this.config.bin, packageName: this.config.name, channel, npmPrefix})
    const how = kind === 'npm' ? 'by npm' : `from source (${this.config.root})`
    this.logToStderr(
      `This copy of ${this.config.bin} ${this.config.version} was installed ${how} and cannot replace itself.`,
    )
    this.logToStderr(`To update it${version ? '' : ` to the newest ${channel} release`}, run:`)
    this.logToStderr(`  ${command}`)
  }

  /** oclif's own catch prints its internals (and breaks --json): one project error line instead. */
  protected override async catch(error: Error): Promise<unknown> {
    return this.exit(reportCommandError(error, this))
  }

  /** One line per release on stdout: `<version> <channel> newest <channel>, installed`; --json: the list. */
  private printReleases(releases: AvailableRelease[]): void {
    // plugin-update's run returns nothing, so oclif prints no result for it: the list is printed here.
    if (this.jsonEnabled()) {
      this.logJson(
        releases.map((release) => ({...release, installed: release.version === this.config.version})),
      )
      return
    }
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
