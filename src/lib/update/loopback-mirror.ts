/**
 * A release host on 127.0.0.1 that serves @oclif/plugin-update exactly what verified-release.ts checked,
 * for the few seconds of one `update`, and nothing else (any other path: 404).
 *
 * plugin-update fetches the channel manifest (or the version index and a version manifest) from
 * `oclif.update.s3.host` (as @oclif/core's Config.s3Url reads it, from `config.updateConfig`), then streams the tarball from the manifest's `gz` URL, with its own HTTP client.
 * Checking the real host's signature in a hook is not enough: plugin-update would fetch its own copy, and
 * a host that answers the second request differently would get its tarball installed. So plugin-update is
 * pointed at this mirror instead: the documents are the verified ones (only `gz` rewritten to the
 * mirror's URL; `sha256gz` untouched, so plugin-update's own check applies too) and the tarball is the
 * file whose SHA-256 was already checked, in a directory only this user can write.
 */
import {createReadStream} from 'node:fs'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'

import {hostUrl} from './release-host.ts'
import {
  channelManifestPath,
  type ReleaseTarget,
  tarballPath,
  versionIndexPath,
  versionManifestPath,
} from './release-manifest.ts'
import type {VerifiedManifest} from './verified-release.ts'

export interface LoopbackMirror {
  /** `http://127.0.0.1:<port>`: what plugin-update is given as its s3 host. */
  url: string
  /** The paths asked for, in order. */
  requests: string[]
  close(): Promise<void>
}

export interface MirroredRelease {
  target: ReleaseTarget
  /** The channel manifest is served for this channel… */
  channel: string
  /** …or, for `update --version`, the version index and this version's manifest. */
  version?: string
  verified: VerifiedManifest
  /** The tarball, already checked against `verified.manifest.sha256gz`. */
  tarballFile: string
}

export async function serveVerifiedRelease(release: MirroredRelease): Promise<LoopbackMirror> {
  const documents = new Map<string, string>()
  const requests: string[] = []
  const {target, verified} = release
  const {version, sha} = verified.manifest
  const tarballKey = tarballPath(target, version, sha)
  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://mirror').pathname
    requests.push(pathname)
    const key = pathname.replace(/^\/+/, '')
    if (request.method === 'GET' && key === tarballKey) {
      response.writeHead(200, {'content-type': 'application/gzip'})
      createReadStream(release.tarballFile).pipe(response)
      return
    }
    const document = request.method === 'GET' ? documents.get(key) : undefined
    response.writeHead(document === undefined ? 404 : 200, {'content-type': 'application/json'})
    response.end(document)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const manifest = JSON.stringify({...verified.document, gz: hostUrl(url, tarballKey)})
  if (release.version) {
    documents.set(versionIndexPath(target), JSON.stringify({[version]: hostUrl(url, tarballKey)}))
    documents.set(versionManifestPath(target, version, sha), manifest)
  } else documents.set(channelManifestPath(target, release.channel), manifest)
  return {
    url,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
