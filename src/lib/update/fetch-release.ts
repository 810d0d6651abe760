/**
 * Downloads from the release host, bounded in time and size, and trusted only once verified:
 * documents by their Ed25519 signature (signed-document.ts), tarballs by the SHA-256 their verified
 * manifest names. Every refusal is an UpdateRefused with one line for the person.
 */
import {createHash} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {once} from 'node:events'

import {hostUrl} from './release-host.ts'
import {SIGNATURE_SUFFIX, verifyDocument} from './signed-document.ts'

export class UpdateRefused extends Error {}

/** Manifests and indexes are small; anything larger is not one. */
const DOCUMENT_MAX_BYTES = 256 * 1024

export interface Download {
  fetch?: typeof globalThis.fetch
  timeoutMs?: number
}

async function get(url: string, {fetch = globalThis.fetch, timeoutMs = 60_000}: Download): Promise<Response> {
  let response: Response
  try {
    response = await fetch(url, {signal: AbortSignal.timeout(timeoutMs), redirect: 'error'})
  } catch (error) {
    const cause = (error as {cause?: {code?: string}}).cause?.code ?? (error as Error).name
    throw new UpdateRefused(`Cannot reach the release host for ${url} (${cause}).`)
  }
  if (!response.ok) {
    await response.body?.cancel()
    throw new UpdateRefused(`The release host answered ${response.status} for ${url}.`)
  }
  return response
}

async function readCapped(response: Response, maxBytes: number, url: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of response.body ?? []) {
    total += chunk.length
    if (total > maxBytes)
      throw new UpdateRefused(`${url} is larger than ${maxBytes} bytes: not a release file.`)
    chunks.push(Buffer.from(chunk))
  }
  return Buffer.concat(chunks)
}

/**
 * A JSON document of the release host and its signature, parsed only when the signature verifies.
 * `what` names the document in messages ("the stable manifest").
 */
export async function fetchSignedJson(
  host: string,
  key: string,
  publicKeyPem: string,
  what: string,
  options: Download = {},
): Promise<unknown> {
  const url = hostUrl(host, key)
  const [body, signature] = await Promise.all([
    get(url, options).then((response) => readCapped(response, DOCUMENT_MAX_BYTES, url)),
    get(url + SIGNATURE_SUFFIX, options)
      .then((response) => readCapped(response, 1024, url + SIGNATURE_SUFFIX))
      .catch((error: unknown) => {
        if (error instanceof UpdateRefused && / answered 404 /.test(error.message))
          throw new UpdateRefused(`Refused ${what}: it is not signed (no ${url}${SIGNATURE_SUFFIX}).`)
        throw error
      }),
  ])
  if (!verifyDocument(body, signature.toString('utf8'), publicKeyPem))
    throw new UpdateRefused(`Refused ${what}: its signature does not verify with this copy's release key.`)
  try {
    return JSON.parse(body.toString('utf8')) as unknown
  } catch {
    throw new UpdateRefused(`Refused ${what}: it is signed but is not JSON.`)
  }
}

/**
 * Stream the tarball to `file`, refusing it unless its size and SHA-256 are exactly the manifest's.
 * The caller deletes `file` on a refusal.
 */
export async function downloadVerified(
  url: string,
  file: string,
  expected: {sha256: string; size: number},
  options: Download = {},
): Promise<void> {
  if (!/^[0-9a-f]{64}$/.test(expected.sha256))
    throw new UpdateRefused('Refused the tarball: its manifest carries no SHA-256.')
  const response = await get(url, {timeoutMs: 10 * 60_000, ...options})
  const hash = createHash('sha256')
  const out = createWriteStream(file, {mode: 0o600})
  let total = 0
  try {
    for await (const chunk of response.body ?? []) {
      total += chunk.length
      if (total > expected.size) break
      hash.update(chunk)
      if (!out.write(chunk)) await once(out, 'drain')
    }
  } finally {
    out.end()
    await once(out, 'close')
  }
  if (total !== expected.size)
    throw new UpdateRefused(
      `Refused the tarball ${url}: ${total > expected.size ? 'more' : 'fewer'} bytes than its signed manifest says.`,
    )
  if (hash.digest('hex') !== expected.sha256)
    throw new UpdateRefused(`Refused the tarball ${url}: its SHA-256 does not match the signed manifest.`)
}
