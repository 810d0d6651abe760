/**
 * Downloads from the release host, bounded in time and size, following no redirect, and trusted only
 * once verified: documents by their Ed25519 signature (signed-document.ts), tarballs by the SHA-256
 * their verified manifest names. Every refusal is an UpdateRefused with one line for the person.
 *
 * Over got (the project's HTTP client, and @oclif/plugin-update's): Node's built-in fetch died with an
 * uncaught `assert(!this.paused)` on a tarball served over HTTP/1.0 (`python3 -m http.server`).
 */
import {createHash} from 'node:crypto'
import {once} from 'node:events'
import {createWriteStream} from 'node:fs'

import got from 'got'

import {PersonFacingError} from '../errors/person-facing-error.ts'
import {SIGNATURE_SUFFIX, verifyDocument} from './signed-document.ts'

export class UpdateRefused extends PersonFacingError {
  constructor(message: string, options: {code?: string; exit?: number} = {}) {
    super(message, {code: options.code ?? 'update_refused', exit: options.exit})
  }
}

/** Manifests and indexes are small; anything larger is not one. */
export const DOCUMENT_MAX_BYTES = 256 * 1024
/** A release tarball holds a Node.js runtime: tens of MB. */
export const TARBALL_MAX_BYTES = 512 * 1024 * 1024

export interface Download {
  timeoutMs?: number
}

/** The body of `url`, chunk by chunk, or an UpdateRefused (unreachable, not 200, too large). */
async function* body(url: string, maxBytes: number, {timeoutMs = 60_000}: Download): AsyncGenerator<Buffer> {
  const stream = got.stream(url, {
    followRedirect: false,
    retry: {limit: 0},
    throwHttpErrors: false,
    decompress: false,
    timeout: {request: timeoutMs},
  })
  try {
    const [response] = (await once(stream, 'response')) as [{statusCode: number}]
    if (response.statusCode !== 200)
      throw new UpdateRefused(`The release host answered ${response.statusCode} for ${url}.`, {
        code: 'release_host',
      })
    let total = 0
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > maxBytes)
        throw new UpdateRefused(`${url} is larger than ${maxBytes} bytes: not a release file.`)
      yield chunk
    }
  } catch (error) {
    if (error instanceof UpdateRefused) throw error
    const code = (error as {code?: string}).code ?? (error as Error).name
    throw new UpdateRefused(`Cannot reach the release host for ${url} (${code}).`, {code: 'release_host'})
  } finally {
    stream.destroy()
  }
}

export async function fetchBytes(url: string, maxBytes: number, options: Download = {}): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of body(url, maxBytes, options)) chunks.push(chunk)
  return Buffer.concat(chunks)
}

export interface SignedDocument {
  /** The exact bytes the signature verified. */
  bytes: Buffer
  value: unknown
}

/**
 * A JSON document of the release host and its signature, parsed only when the signature verifies.
 * `what` names the document in messages ("the stable manifest").
 */
export async function fetchSignedJson(
  url: string,
  publicKeyPem: string,
  what: string,
  options: Download = {},
): Promise<SignedDocument> {
  const [bytes, signature] = await Promise.all([
    fetchBytes(url, DOCUMENT_MAX_BYTES, options),
    fetchBytes(url + SIGNATURE_SUFFIX, 1024, options).catch((error: unknown) => {
      if (error instanceof UpdateRefused && / answered 404 /.test(error.message))
        throw new UpdateRefused(`Refused ${what}: it is not signed (no ${url}${SIGNATURE_SUFFIX}).`)
      throw error
    }),
  ])
  if (!verifyDocument(bytes, signature.toString('utf8'), publicKeyPem))
    throw new UpdateRefused(`Refused ${what}: its signature does not verify with this copy's release key.`)
  try {
    return {bytes, value: JSON.parse(bytes.toString('utf8')) as unknown}
  } catch {
    throw new UpdateRefused(`Refused ${what}: it is signed but is not JSON.`)
  }
}

/**
 * Stream the tarball to `file` (created 0600), refusing it unless its SHA-256 is exactly the manifest's.
 * The caller deletes `file` on a refusal.
 */
export async function downloadVerified(
  url: string,
  file: string,
  sha256: string,
  options: Download = {},
): Promise<number> {
  if (!/^[0-9a-f]{64}$/.test(sha256))
    throw new UpdateRefused('Refused the tarball: its manifest carries no SHA-256.')
  const hash = createHash('sha256')
  const out = createWriteStream(file, {mode: 0o600, flags: 'wx'})
  let total = 0
  try {
    for await (const chunk of body(url, TARBALL_MAX_BYTES, {timeoutMs: 10 * 60_000, ...options})) {
      total += chunk.length
      hash.update(chunk)
      if (!out.write(chunk)) await once(out, 'drain')
    }
  } finally {
    out.end()
    await once(out, 'close')
  }
  if (hash.digest('hex') !== sha256)
    throw new UpdateRefused(`Refused the tarball ${url}: its SHA-256 does not match the signed manifest.`)
  return total
}
