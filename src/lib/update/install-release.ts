/**
 * Self-update of an installed release: fetch the signed manifest of a channel (or of one version),
 * refuse what does not verify or would go backwards, download the tarball it names, check its size and
 * SHA-256, unpack it beside the installed copies and only then point `current` at it.
 *
 *   <dataDir>/client/<version>/        one unpacked release each (bin/node, bin/run.js, dist, …)
 *   <dataDir>/client/current           symlink (a junction on Windows) to the version in use
 *   <dataDir>/channel                  the channel followed (also read by the update notice)
 *
 * Any refusal leaves `current`, and so the installed copy, exactly as it was.
 */
import {execFile} from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import {promisify} from 'node:util'

import {type Download, downloadVerified, fetchSignedJson, UpdateRefused} from './fetch-release.ts'
import {hostUrl, releaseHostRefusal} from './release-host.ts'
import {
  channelManifestPath,
  ManifestRejected,
  parseManifest,
  parseVersionIndex,
  type ReleaseManifest,
  type ReleaseTarget,
  versionIndexPath,
  versionManifestPath,
} from './release-manifest.ts'
import {compareVersions} from './versions.ts'

export {UpdateRefused} from './fetch-release.ts'

export const CLIENT_DIR = 'client'
export const CURRENT_LINK = 'current'

export interface UpdateRequest {
  host: string
  target: ReleaseTarget
  /** The channel to update on (and follow from now on, unless `version` is given). */
  channel: string
  /** A precise version (`update --version`): the channel followed does not change. */
  version?: string
  /** Re-install the same version, or install an older one. */
  force: boolean
  /** The running copy: its version, the channel it follows, and its directory (config.root), kept by the tidy-up. */
  current: {version: string; channel: string; root?: string}
  dataDir: string
  /** The release key of the running copy (undefined: it came from an unsigned release). */
  publicKeyPem: string | undefined
  /** One line of progress for the person. */
  progress: (line: string) => void
  download?: Download
}

export type UpdateOutcome =
  | {kind: 'already'; version: string; channel: string}
  | {kind: 'updated'; from: string; to: string; channel: string; directory: string}

function checkPreconditions(host: string, publicKeyPem: string | undefined): string {
  const refusal = releaseHostRefusal(host)
  if (refusal) throw new UpdateRefused(`Refused to update: ${refusal}.`)
  if (!publicKeyPem)
    throw new UpdateRefused(
      'Refused to update: this copy carries no release key (it came from an unsigned release), so no update can be verified. Reinstall from a signed release with install.sh.',
    )
  return publicKeyPem
}

async function fetchManifest(request: UpdateRequest, key: string): Promise<ReleaseManifest> {
  const {host, target, channel, version} = request
  const what = version ? `the manifest of ${version}` : `the ${channel} manifest`
  const path = version ? versionManifestPath(target, version) : channelManifestPath(target, channel)
  const document = await fetchSignedJson(host, path, key, what, request.download)
  try {
    return parseManifest(document, {...target, ...(version ? {version} : {channel})})
  } catch (error) {
    if (error instanceof ManifestRejected) throw new UpdateRefused(`Refused ${what}: ${error.message}.`)
    throw error
  }
}

const run = promisify(execFile)

/** Unpack a verified tarball into `into` with the system's tar (GNU, BSD, or Windows' bsdtar). */
async function extract(tarball: string, into: string): Promise<void> {
  mkdirSync(into, {recursive: true})
  await run('tar', ['-xzf', tarball, '-C', into], {windowsHide: true, maxBuffer: 1024 * 1024})
}

/** Point `<client>/current` at `version`, atomically where the platform allows. */
export function pointCurrentAt(clientRoot: string, version: string, platform = process.platform): void {
  const link = path.join(clientRoot, CURRENT_LINK)
  if (platform === 'win32') {
    rmSync(link, {force: true, recursive: false})
    symlinkSync(path.join(clientRoot, version), link, 'junction')
    return
  }
  const temporary = path.join(clientRoot, `.${CURRENT_LINK}-${process.pid}`)
  rmSync(temporary, {force: true})
  symlinkSync(version, temporary)
  renameSync(temporary, link)
}

/** Remove unpacked releases other than the ones named (the new one, and the one running now). */
function tidy(clientRoot: string, keep: readonly string[]): void {
  for (const entry of readdirSync(clientRoot)) {
    if (entry === CURRENT_LINK || keep.includes(entry)) continue
    rmSync(path.join(clientRoot, entry), {recursive: true, force: true})
  }
}

export async function updateInstall(request: UpdateRequest): Promise<UpdateOutcome> {
  const key = checkPreconditions(request.host, request.publicKeyPem)
  const {current, force, progress} = request
  const manifest = await fetchManifest(request, key)
  const order = compareVersions(manifest.version, current.version) ?? 0
  if (order === 0 && !force) return {kind: 'already', version: current.version, channel: manifest.channel}
  if (order < 0 && !force)
    throw new UpdateRefused(
      `Refused to downgrade from ${current.version} (${current.channel}) to ${manifest.version} (${manifest.channel}); to install it anyway, run it again with --force.`,
    )

  const clientRoot = path.join(request.dataDir, CLIENT_DIR)
  mkdirSync(clientRoot, {recursive: true})
  const staging = mkdtempSync(path.join(clientRoot, '.staging-'))
  try {
    const tarball = path.join(staging, 'release.tar.gz')
    const url = hostUrl(request.host, manifest.gz)
    progress(`Downloading ${manifest.version} (${(manifest.size / 1e6).toFixed(1)} MB) from ${request.host}`)
    await downloadVerified(url, tarball, {sha256: manifest.sha256gz, size: manifest.size}, request.download)
    const unpacked = path.join(staging, 'unpacked')
    await extract(tarball, unpacked)
    const root = path.join(unpacked, manifest.baseDir)
    const node = path.join(root, 'bin', request.target.platform === 'win32' ? 'node.exe' : 'node')
    if (!existsSync(path.join(root, 'package.json')) || !existsSync(node))
      throw new UpdateRefused(
        `Refused the tarball of ${manifest.version}: it holds no ${manifest.baseDir}/bin/node.`,
      )
    const destination = path.join(clientRoot, manifest.version)
    if (existsSync(destination)) renameSync(destination, path.join(staging, 'replaced'))
    renameSync(root, destination)
    pointCurrentAt(clientRoot, manifest.version)
    if (!request.version) writeFileSync(path.join(request.dataDir, 'channel'), request.channel)
    const running = current.root ? [path.basename(current.root)] : []
    tidy(clientRoot, [manifest.version, current.version, ...running, path.basename(staging)])
    return {
      kind: 'updated',
      from: current.version,
      to: manifest.version,
      channel: manifest.channel,
      directory: destination,
    }
  } finally {
    rmSync(staging, {recursive: true, force: true})
  }
}

export interface AvailableRelease {
  version: string
  channel: string
  /** The newest release of its channel. */
  newest: boolean
}

/** Every release the host lists for this platform (signed index), newest first. */
export async function availableReleases(
  request: Pick<UpdateRequest, 'host' | 'target' | 'publicKeyPem' | 'download'>,
): Promise<AvailableRelease[]> {
  const key = checkPreconditions(request.host, request.publicKeyPem)
  const document = await fetchSignedJson(
    request.host,
    versionIndexPath(request.target),
    key,
    'the version index',
    request.download,
  )
  let index
  try {
    index = parseVersionIndex(document, request.target)
  } catch (error) {
    if (error instanceof ManifestRejected)
      throw new UpdateRefused(`Refused the version index: ${error.message}.`)
    throw error
  }
  const entries = Object.entries(index.versions).sort(([a], [b]) => compareVersions(b, a) ?? 0)
  const seen = new Set<string>()
  return entries.map(([version, channel]) => {
    const newest = !seen.has(channel)
    seen.add(channel)
    return {version, channel, newest}
  })
}
