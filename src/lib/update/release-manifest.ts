/**
 * What a release host serves, and the rules a downloaded manifest must pass before anything is installed.
 * `npm run release` (scripts/release.ts) writes this layout; `update` and install.sh read it:
 *
 *   channels/<channel>/<bin>-<platform>-<arch>-buildmanifest(.sig)   newest release of a channel
 *   versions/<version>/<bin>-<platform>-<arch>-buildmanifest(.sig)   one release, for `update --version`
 *   versions/<version>/<bin>-v<version>-<platform>-<arch>.tar.gz      the tarball both of them name
 *   versions/<bin>-<platform>-<arch>-index.json(.sig)               every version on the host, with its channel
 *   install.sh, install.ps1                                           the installers
 *
 * Paths inside manifests are relative to the host, so the same tree works on any host or mirror.
 */
import {isVersion} from './versions.ts'

export interface ReleaseTarget {
  bin: string
  /** Node's platform name: linux, darwin, win32 (wsl is served linux). */
  platform: string
  arch: string
}

export interface ReleaseManifest extends ReleaseTarget {
  version: string
  channel: string
  /** The one top directory inside the tarball. */
  baseDir: string
  /** Path of the tarball below the release host. */
  gz: string
  /** SHA-256 of the tarball, hex. */
  sha256gz: string
  /** Size of the tarball in bytes. */
  size: number
  /** Version of the Node.js runtime inside. */
  node: string
}

export interface VersionIndex extends ReleaseTarget {
  /** version → channel it was released on */
  versions: Record<string, string>
}

export function platformName(platform: string): string {
  return platform === 'wsl' ? 'linux' : platform
}

function targetName({bin, platform, arch}: ReleaseTarget): string {
  return `${bin}-${platformName(platform)}-${arch}`
}

export function channelManifestPath(target: ReleaseTarget, channel: string): string {
  return `channels/${channel}/${targetName(target)}-buildmanifest`
}

export function versionManifestPath(target: ReleaseTarget, version: string): string {
  return `versions/${version}/${targetName(target)}-buildmanifest`
}

export function tarballPath({bin, platform, arch}: ReleaseTarget, version: string): string {
  return `versions/${version}/${bin}-v${version}-${platformName(platform)}-${arch}.tar.gz`
}

export function versionIndexPath(target: ReleaseTarget): string {
  return `versions/${targetName(target)}-index.json`
}

/** A channel name as a path segment and a file name: `stable`, `beta`. */
export function isChannelName(text: string): boolean {
  return /^[a-z][a-z0-9-]{0,31}$/.test(text)
}

export class ManifestRejected extends Error {}

const SAFE_PATH = /^(?:[A-Za-z0-9._+-]+\/)*[A-Za-z0-9._+-]+\.tar\.gz$/

/**
 * The manifest's fields, checked against what was asked for: a manifest signed for another platform,
 * channel or version cannot be replayed in its place. Throws ManifestRejected with a one-line reason.
 */
export function parseManifest(
  value: unknown,
  expected: ReleaseTarget & {channel?: string; version?: string},
): ReleaseManifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ManifestRejected('the manifest is not a JSON object')
  const fields = value as Record<string, unknown>
  const text = (name: string): string => {
    const field = fields[name]
    if (typeof field !== 'string' || field === '') throw new ManifestRejected(`the manifest has no "${name}"`)
    return field
  }
  const manifest: ReleaseManifest = {
    bin: text('bin'),
    platform: text('platform'),
    arch: text('arch'),
    version: text('version'),
    channel: text('channel'),
    baseDir: text('baseDir'),
    gz: text('gz'),
    sha256gz: typeof fields.sha256gz === 'string' ? fields.sha256gz : '',
    size: typeof fields.size === 'number' ? fields.size : -1,
    node: typeof fields.node === 'string' ? fields.node : '',
  }
  if (!/^[0-9a-f]{64}$/.test(manifest.sha256gz))
    throw new ManifestRejected('the manifest carries no SHA-256 of the tarball')
  if (!isVersion(manifest.version) || !isChannelName(manifest.channel))
    throw new ManifestRejected('the manifest names no valid version and channel')
  const wanted: Array<[string, string | undefined]> = [
    ['bin', expected.bin],
    ['platform', platformName(expected.platform)],
    ['arch', expected.arch],
    ['channel', expected.channel],
    ['version', expected.version],
  ]
  for (const [name, want] of wanted) {
    const got = manifest[name as keyof ReleaseManifest]
    if (want !== undefined && got !== want)
      throw new ManifestRejected(`the manifest is for ${name} "${String(got)}", not "${want}"`)
  }
  if (!SAFE_PATH.test(manifest.gz) || manifest.gz.split('/').includes('..'))
    throw new ManifestRejected('the manifest names an unsafe tarball path')
  if (!/^[A-Za-z0-9._-]+$/.test(manifest.baseDir) || manifest.baseDir.startsWith('.'))
    throw new ManifestRejected('the manifest names an unsafe directory')
  if (!Number.isSafeInteger(manifest.size) || manifest.size <= 0)
    throw new ManifestRejected('the manifest carries no tarball size')
  return manifest
}

export function parseVersionIndex(value: unknown, expected: ReleaseTarget): VersionIndex {
  const fields = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  const versions = fields.versions
  if (
    fields.bin !== expected.bin ||
    fields.platform !== platformName(expected.platform) ||
    fields.arch !== expected.arch ||
    typeof versions !== 'object' ||
    versions === null ||
    Array.isArray(versions)
  )
    throw new ManifestRejected('the version index is not for this platform')
  const clean: Record<string, string> = {}
  for (const [version, channel] of Object.entries(versions))
    if (isVersion(version) && typeof channel === 'string' && isChannelName(channel)) clean[version] = channel
  return {...expected, platform: platformName(expected.platform), versions: clean}
}
