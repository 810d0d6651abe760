/**
 * What a release host serves, and the rules a downloaded manifest must pass before anything is installed.
 * The layout is exactly the one `oclif upload tarballs` and `oclif promote` give an S3 bucket (the keys of
 * oclif's upload-util and @oclif/plugin-update), so the same tree is served by S3, a CDN or any static
 * server; `npm run release` (scripts/release.ts) writes it, adding a `.sig` beside each JSON document:
 *
 *   versions/<v>/<sha>/<bin>-v<v>-<sha>-<platform>-<arch>.tar.gz            the tarball (oclif pack tarballs)
 *   versions/<v>/<sha>/<bin>-v<v>-<sha>-<platform>-<arch>-buildmanifest(.sig) its build manifest
 *   channels/<channel>/<bin>-<platform>-<arch>-buildmanifest(.sig)           newest release of a channel
 *   channels/<channel>/<bin>-<platform>-<arch>.tar.gz                         its tarball (oclif promote)
 *   versions/<bin>-<platform>-<arch>-tar-gz.json(.sig)                        version → tarball URL index
 *   install.sh, install.ps1                                                   the installers
 *
 * oclif writes absolute URLs (at the host of package.json) into manifests and the index; this helper
 * reads only their version and sha and finds the files below the host it was asked to use, so a mirror
 * serves the tree unchanged. The release script adds `bin`, `platform` and `arch` to each manifest
 * before signing it: a manifest signed for another platform cannot be replayed in its place.
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
  /** The short git sha the release was cut from (a path segment of its files). */
  sha: string
  /** The one top directory inside the tarball. */
  baseDir: string
  /** SHA-256 of the tarball, hex. */
  sha256gz: string
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

export function channelTarballPath(target: ReleaseTarget, channel: string): string {
  return `channels/${channel}/${targetName(target)}.tar.gz`
}

function versionedName({bin, platform, arch}: ReleaseTarget, version: string, sha: string): string {
  return `${bin}-v${version}-${sha}-${platformName(platform)}-${arch}`
}

export function versionManifestPath(target: ReleaseTarget, version: string, sha: string): string {
  return `versions/${version}/${sha}/${versionedName(target, version, sha)}-buildmanifest`
}

export function tarballPath(target: ReleaseTarget, version: string, sha: string): string {
  return `versions/${version}/${sha}/${versionedName(target, version, sha)}.tar.gz`
}

export function versionIndexPath(target: ReleaseTarget): string {
  return `versions/${targetName(target)}-tar-gz.json`
}

/** A channel name as a path segment and a file name: `stable`, `beta`. */
export function isChannelName(text: string): boolean {
  return /^[a-z][a-z0-9-]{0,31}$/.test(text)
}

export class ManifestRejected extends Error {}

const SHA = /^[0-9a-f]{7,40}$/

/**
 * The manifest's fields, checked against what was asked for: a manifest signed for another platform or
 * version cannot be replayed in its place. Throws ManifestRejected with a one-line reason.
 */
export function parseManifest(value: unknown, expected: ReleaseTarget & {version?: string}): ReleaseManifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ManifestRejected('the manifest is not a JSON object')
  const fields = value as Record<string, unknown>
  const text = (name: string): string => (typeof fields[name] === 'string' ? (fields[name] as string) : '')
  const manifest: ReleaseManifest = {
    bin: text('bin'),
    platform: text('platform'),
    arch: text('arch'),
    version: text('version'),
    sha: text('sha'),
    baseDir: text('baseDir'),
    sha256gz: text('sha256gz'),
  }
  // @oclif/plugin-update skips its own check when sha256gz is missing: this helper never does.
  if (!/^[0-9a-f]{64}$/.test(manifest.sha256gz))
    throw new ManifestRejected('the manifest carries no SHA-256 of the tarball (sha256gz)')
  if (!isVersion(manifest.version) || manifest.version.startsWith('v'))
    throw new ManifestRejected('the manifest names no valid version')
  if (!SHA.test(manifest.sha)) throw new ManifestRejected('the manifest names no commit sha')
  const wanted: Array<[keyof ReleaseManifest, string | undefined]> = [
    ['bin', expected.bin],
    ['platform', platformName(expected.platform)],
    ['arch', expected.arch],
    ['version', expected.version],
  ]
  for (const [name, want] of wanted) {
    const got = manifest[name]
    if (want !== undefined && got !== want)
      throw new ManifestRejected(`the manifest is for ${name} "${got}", not "${want}"`)
  }
  if (!/^[A-Za-z0-9._-]+$/.test(manifest.baseDir) || manifest.baseDir.startsWith('.'))
    throw new ManifestRejected('the manifest names an unsafe directory')
  return manifest
}

/**
 * oclif's version index (`{"1.2.0": "https://host/versions/1.2.0/<sha>/<tarball>", …}`) as version → sha,
 * read the way @oclif/plugin-update reads it (the path segment after the version); odd entries are dropped.
 */
export function parseVersionIndex(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ManifestRejected('the version index is not a JSON object')
  const shas: Record<string, string> = {}
  for (const [version, url] of Object.entries(value)) {
    if (!isVersion(version) || typeof url !== 'string') continue
    const parts = url.split('/')
    const sha = parts[parts.indexOf(version) + 1]
    if (parts.includes(version) && sha && SHA.test(sha)) shas[version] = sha
  }
  return shas
}
