/**
 * The one way the helper reads its standard input: to the end, but never more than a cap, so that a
 * client (or an attacker) piping gigabytes cannot make it hold them. Used by the protocol verbs, `get`
 * with trusted plugins, and `login --with-token`.
 */

export class InputTooLargeError extends Error {
  readonly maxBytes: number
  constructor(maxBytes: number) {
    super(`input is larger than ${maxBytes} bytes`)
    this.name = 'InputTooLargeError'
    this.maxBytes = maxBytes
  }
}

/**
 * Everything `stream` holds, as bytes. Past `maxBytes` it stops reading and rejects with
 * InputTooLargeError (what was read is dropped).
 */
export async function readCapped(stream: AsyncIterable<unknown>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += buffer.length
    if (size > maxBytes) throw new InputTooLargeError(maxBytes)
    chunks.push(buffer)
  }
  return Buffer.concat(chunks)
}
