/**
 * Where releases are published (the "release host") and where a channel's newest release is described.
 *
 * The layout is the one `@oclif/plugin-update` reads (and `oclif upload tarballs` writes):
 *   <host>/channels/<channel>/<bin>-<platform>-<arch>-buildmanifest   JSON: {version, gz, sha256gz, …}
 *   <host>/channels/<channel>/<bin>-v<version>/<bin>-v<version>-<platform>-<arch>.tar.gz
 * The host comes from `oclif.update.s3.host` in package.json; `ATCR_UPDATE_HOST` overrides it for
 * mirrors and tests.
 */

export const RELEASE_HOST_ENV = 'ATCR_UPDATE_HOST'

export function releaseHost(env: NodeJS.ProcessEnv, configured: string | undefined): string | undefined {
  const fromEnv = env[RELEASE_HOST_ENV]?.trim()
  return fromEnv || configured || undefined
}

export interface ManifestTarget {
  bin: string
  channel: string
  platform: string
  arch: string
}

function platformName(platform: string): string {
  return platform === 'wsl' ? 'linux' : platform
}

/** Path of a channel's build manifest below the release host (no leading slash). */
export function channelManifestKey({bin, channel, platform, arch}: ManifestTarget): string {
  return `channels/${channel}/${bin}-${platformName(platform)}-${arch}-buildmanifest`
}

export function channelManifestUrl(host: string, target: ManifestTarget): string {
  return `${host.replace(/\/+$/, '')}/${channelManifestKey(target)}`
}
