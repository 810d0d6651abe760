/**
 * `update --available` for an npm install: the releases the npm registry has for the package, in the
 * shape the release host's version index gives (availableReleases in verified-release.ts).
 *
 * One GET of the package document (`<registry>/<name>`) in its abbreviated form (`Accept:
 * application/vnd.npm.install-v1+json`: versions, dist-tags and what installing needs, no READMEs),
 * bounded in time and size. The registry is npm_config_registry, else the public one. Channels are
 * dist-tags: `latest` is stable, `beta` is beta; the version a tag points at is that channel's newest
 * (what `npm i -g <name>@<tag>` installs). Other versions get their channel from their prerelease id.
 * Nothing here is installed, so nothing needs verifying: npm does that when the person runs it.
 */
import type {AvailableRelease} from './verified-release.ts'
import {channelOfVersion} from './install-kind.ts'
import {npmEnvSetting} from './npm-prefix.ts'
import {compareVersions, isVersion} from './versions.ts'
import {PersonFacingError} from '../errors/person-facing-error.ts'

export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/'

/** The abbreviated document of a package with a few hundred versions is tens of kB; a full one, a few MB. */
export const NPM_DOCUMENT_MAX_BYTES = 4 * 1024 * 1024
export const NPM_REGISTRY_TIMEOUT_MS = 15_000

const ABBREVIATED = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8'

/** The channel each dist-tag stands for; the first listed wins when two tags name one version. */
const TAG_CHANNELS: ReadonlyArray<[tag: string, channel: string]> = [
  ['latest', 'stable'],
  ['beta', 'beta'],
]

/** Anything that stops the listing, with one line for the person. */
export class NpmRegistryError extends PersonFacingError {
  constructor(message: string) {
    super(message, {code: 'npm_registry'})
  }
}

/** The registry npm itself would ask, with a final slash. */
export function npmRegistryUrl(env: NodeJS.ProcessEnv): string {
  const registry = npmEnvSetting(env, 'registry') ?? DEFAULT_NPM_REGISTRY
  return registry.endsWith('/') ? registry : `${registry}/`
}

/** `<registry>/<name>`, a scoped name's slash escaped as npm does (`@scope%2fname`). */
export function packumentUrl(registry: string, packageName: string): string {
  return `${registry.endsWith('/') ? registry : `${registry}/`}${packageName.replace('/', '%2f')}`
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The releases of a package document, newest first. Throws NpmRegistryError when it is not one. */
export function releasesFromPackument(document: unknown): AvailableRelease[] {
  const notOne = () =>
    new NpmRegistryError('The npm registry answered something that is not a package document.')
  if (!isRecord(document)) throw notOne()
  const {versions = {}, 'dist-tags': distTags = {}} = document
  if (!isRecord(versions) || !isRecord(distTags)) throw notOne()
  const newestOf = new Map<string, string>() // version → channel it is the newest of
  for (const [tag, channel] of TAG_CHANNELS) {
    const version = distTags[tag]
    if (typeof version === 'string' && !newestOf.has(version)) newestOf.set(version, channel)
  }
  return Object.keys(versions)
    .filter((version) => isVersion(version))
    .sort((a, b) => compareVersions(b, a) ?? 0)
    .map((version) => {
      const tagged = newestOf.get(version)
      return {version, channel: tagged ?? channelOfVersion(version), newest: tagged !== undefined}
    })
}

export interface NpmReleasesRequest {
  packageName: string
  /** For npm_config_registry. */
  env: NodeJS.ProcessEnv
  fetch?: typeof globalThis.fetch
  timeoutMs?: number
  maxBytes?: number
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`
}

/** Every release the npm registry has for the package, newest first. */
export async function npmReleases({
  packageName,
  env,
  fetch = globalThis.fetch,
  timeoutMs = NPM_REGISTRY_TIMEOUT_MS,
  maxBytes = NPM_DOCUMENT_MAX_BYTES,
}: NpmReleasesRequest): Promise<AvailableRelease[]> {
  const registry = npmRegistryUrl(env)
  const url = packumentUrl(registry, packageName)
  const signal = AbortSignal.timeout(timeoutMs)
  const failed = (error: unknown): NpmRegistryError => {
    if (error instanceof NpmRegistryError) return error
    if (signal.aborted)
      return new NpmRegistryError(
        `The npm registry ${registry} did not answer within ${Math.ceil(timeoutMs / 1000)} s.`,
      )
    // undici's "fetch failed" carries the reason in its cause: a code (ECONNREFUSED, ENOTFOUND) or a message.
    const {cause} = error as {cause?: {code?: unknown; message?: unknown}}
    const reason = [cause?.code, cause?.message, (error as Error).message].find(
      (text) => typeof text === 'string' && text !== '',
    )
    return new NpmRegistryError(
      `Cannot reach the npm registry ${registry} (${String(reason)}). Another registry can be set with npm_config_registry.`,
    )
  }
  try {
    const response = await fetch(url, {headers: {accept: ABBREVIATED}, signal})
    if (!response.ok) {
      await response.body?.cancel()
      throw new NpmRegistryError(
        response.status === 404
          ? `The npm registry ${registry} has no package ${packageName} (HTTP 404).`
          : `The npm registry ${registry} answered HTTP ${response.status} for ${packageName}.`,
      )
    }
    const tooLarge = () =>
      new NpmRegistryError(
        `The npm registry's document for ${packageName} is larger than ${formatBytes(maxBytes)}: not read.`,
      )
    if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
      await response.body?.cancel()
      throw tooLarge()
    }
    const chunks: Uint8Array[] = []
    let total = 0
    for await (const chunk of response.body ?? []) {
      total += chunk.length
      if (total > maxBytes) throw tooLarge() // leaving the loop cancels the body
      chunks.push(chunk)
    }
    let document: unknown
    try {
      document = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      throw new NpmRegistryError(
        `The npm registry ${registry} answered something that is not a package document for ${packageName}.`,
      )
    }
    return releasesFromPackument(document)
  } catch (error) {
    throw failed(error)
  }
}
