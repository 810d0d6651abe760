/**
 * How this copy of the helper was installed, which decides how it can be updated:
 *
 * - `tarball`: unpacked from a release tarball (or already updated by `update`). Its launcher script
 *   sets `DOCKER_CREDENTIAL_ATCR_BINPATH`, which oclif exposes as `config.binPath`; `update` can replace it.
 * - `npm`: installed by npm (`npm i -g`, or a project dependency). Its files belong to npm, so `update`
 *   prints the npm command instead of replacing them.
 * - `source`: a checkout of the repository (development). Updated with git.
 */
import path from 'node:path'

import {npmInstallCommand} from './npm-prefix.ts'

export type InstallKind = 'npm' | 'source' | 'tarball'

export interface InstallFacts {
  /** oclif's `config.binPath`: set only by the launcher script of a tarball install. */
  binPath?: string
  /** oclif's `config.root`: the directory holding the package.json of the running copy. */
  root: string
}

export function detectInstallKind({binPath, root}: InstallFacts): InstallKind {
  if (binPath) return 'tarball'
  const parts = path.resolve(root).split(/[\\/]/)
  return parts.includes('node_modules') ? 'npm' : 'source'
}

export const CHANNELS = ['stable', 'beta'] as const
export type Channel = (typeof CHANNELS)[number]

/** The npm dist-tag a release channel is published under. */
export function distTagFor(channel: string): string {
  return channel === 'stable' ? 'latest' : channel
}

/**
 * The exact command that updates an npm install to the newest release of a channel; `prefix` when the
 * install is not under npm's default global prefix (see npm-prefix.ts).
 */
export function npmUpdateCommand(
  packageName: string,
  channel: string,
  options: {prefix?: string; platform?: NodeJS.Platform} = {},
): string {
  return npmInstallCommand(packageName, distTagFor(channel), options)
}

/** The channel implied by a version: `1.2.0-beta.3` is on beta, `1.2.0` on stable. */
export function channelOfVersion(version: string): string {
  const prerelease = /^\d+\.\d+\.\d+-([a-z]+)/i.exec(version)
  return prerelease ? prerelease[1]!.toLowerCase() : 'stable'
}

/** What a person runs to update this install on a channel. */
export function updateCommandFor(
  kind: InstallKind,
  facts: {bin: string; packageName: string; channel: string; npmPrefix?: string; platform?: NodeJS.Platform},
): string {
  if (kind === 'tarball') return `${facts.bin} update${facts.channel === 'stable' ? '' : ` ${facts.channel}`}`
  if (kind === 'npm')
    return npmUpdateCommand(facts.packageName, facts.channel, {
      prefix: facts.npmPrefix,
      platform: facts.platform,
    })
  return 'git pull && npm ci && npm run build'
}

/**
 * The line every launcher of a release carries (the tarball's bin/docker-credential-atcr and the one
 * install.sh writes): such a launcher runs the Node.js inside the release, never one from PATH.
 * scripts/release.ts writes it into both.
 */
export const RELEASE_LAUNCHER_MARKER =
  '# docker-credential-atcr release launcher: runs the Node.js inside the release'

/**
 * Whether a helper found on PATH (its first bytes) is a release launcher, which needs no Node.js on
 * PATH: configure-docker's Node.js check does not apply to it.
 */
export function runsItsOwnNode(head: string): boolean {
  return head.startsWith('#!') && head.split('\n', 4).slice(1).includes(RELEASE_LAUNCHER_MARKER)
}
