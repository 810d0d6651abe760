/**
 * What `update` checks before @oclif/plugin-update may install anything: the signed manifest of a
 * channel (or, for `--version`, the signed version index and that version's signed manifest), verified
 * with the copy's release key and refused without a SHA-256; then the tarball it names, downloaded from
 * the release host into a private directory and refused unless its SHA-256 is the manifest's.
 * loopback-mirror.ts then serves exactly these verified bytes to plugin-update.
 */
import path from 'node:path'

import {type Download, downloadVerified, fetchSignedJson, UpdateRefused} from './fetch-release.ts'
import {hostUrl, releaseHostRefusal} from './release-host.ts'
import {
  channelManifestPath,
  ManifestRejected,
  parseManifest,
  parseVersionIndex,
  type ReleaseManifest,
  type ReleaseTarget,
  tarballPath,
  versionIndexPath,
  versionManifestPath,
} from './release-manifest.ts'
import {channelOfVersion} from './install-kind.ts'
import {compareVersions} from './versions.ts'

export {UpdateRefused} from './fetch-release.ts'

export interface ReleaseRequest {
  host: string
  target: ReleaseTarget
  /** The release key of the running copy (undefined: it came from an unsigned release). */
  publicKeyPem: string | undefined
  download?: Download
}

export interface VerifiedManifest {
  manifest: ReleaseManifest
  /** The whole signed document, as parsed from the bytes whose signature verified. */
  document: Record<string, unknown>
}

function checkPreconditions({host, publicKeyPem}: ReleaseRequest): string {
  const refusal = releaseHostRefusal(host)
  if (refusal) throw new UpdateRefused(`Refused to update: ${refusal}.`)
  if (!publicKeyPem)
    throw new UpdateRefused(
      'Refused to update: this copy carries no release key (it came from an unsigned release), so no update can be verified. Reinstall from a signed release with install.sh.',
    )
  return publicKeyPem
}

function refusedDocument<T>(what: string, parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    if (error instanceof ManifestRejected) throw new UpdateRefused(`Refused ${what}: ${error.message}.`)
    throw error
  }
}

/** version → sha of every release in the signed version index. */
async function fetchIndex(request: ReleaseRequest, key: string): Promise<Record<string, string>> {
  const url = hostUrl(request.host, versionIndexPath(request.target))
  const {value} = await fetchSignedJson(url, key, 'the version index', request.download)
  return refusedDocument('the version index', () => parseVersionIndex(value))
}

/** The signed manifest of a channel's newest release, or of one `version`. */
export async function fetchVerifiedManifest(
  request: ReleaseRequest & {channel: string; version?: string},
): Promise<VerifiedManifest> {
  const key = checkPreconditions(request)
  const {target, channel, version} = request
  let documentKey: string
  let what: string
  if (version) {
    const sha = (await fetchIndex(request, key))[version]
    if (!sha)
      throw new UpdateRefused(`No release ${version}; see \`update --available\`.`, {code: 'no_release'})
    documentKey = versionManifestPath(target, version, sha)
    what = `the manifest of ${version}`
  } else {
    documentKey = channelManifestPath(target, channel)
    what = `the ${channel} manifest`
  }
  const {value} = await fetchSignedJson(hostUrl(request.host, documentKey), key, what, request.download)
  const manifest = refusedDocument(what, () => parseManifest(value, {...target, version}))
  return {manifest, document: value as Record<string, unknown>}
}

/** Download the manifest's tarball into `directory`, verified; returns the file. */
export async function downloadRelease(
  request: ReleaseRequest,
  {manifest}: VerifiedManifest,
  directory: string,
): Promise<string> {
  const file = path.join(
    directory,
    path.posix.basename(tarballPath(request.target, manifest.version, manifest.sha)),
  )
  await downloadVerified(
    hostUrl(request.host, tarballPath(request.target, manifest.version, manifest.sha)),
    file,
    manifest.sha256gz,
    request.download,
  )
  return file
}

export interface AvailableRelease {
  version: string
  channel: string
  /** The newest release of its channel. */
  newest: boolean
}

/** Every release the host lists for this platform (signed index), newest first. */
export async function availableReleases(request: ReleaseRequest): Promise<AvailableRelease[]> {
  const key = checkPreconditions(request)
  const versions = Object.keys(await fetchIndex(request, key)).sort((a, b) => compareVersions(b, a) ?? 0)
  const seen = new Set<string>()
  return versions.map((version) => {
    const channel = channelOfVersion(version)
    const newest = !seen.has(channel)
    seen.add(channel)
    return {version, channel, newest}
  })
}
