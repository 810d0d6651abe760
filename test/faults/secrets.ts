/**
 * Secrets never leak: every byte any process of a faults file printed (stdout and stderr, ATCR_DEBUG
 * runs included) is searched for every secret the file used, and for any 8-character piece of one (a
 * partial echo, such as a JSON parser's excerpt of its input, is a leak too). The only stdout spared
 * is that of a successful `get`, whose answer is the secret by design and is checked exactly instead.
 *
 * Each `*.faults.ts` file runs in its own process, so each ends with `testNoSecretLeaked()`: the scan
 * of that file's output, which also hands the file's figures to the reporter.
 */
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {addFigure, allSecrets, capturedOutput, reportFigures} from './harness.ts'

const PIECE = 8

/**
 * Secret-bearing texts that are not device secrets themselves: a base64 `auth` value of Docker's
 * config.json (its decoded secret is in allSecrets, but an echo would quote the base64 form), the
 * hostile AppView's own fake credentials. Scanned whole, 8-character pieces included.
 */
const otherSecretTexts = new Set<string>()
export function alsoSecret(text: string): void {
  otherSecretTexts.add(text)
}

/** The last test of a faults file: register it after every other case of the file. */
export function testNoSecretLeaked(): void {
  test("secrets › no secret, nor any 8-character piece of one, in this file's output", (t) => {
    const pieces = new Map<string, string>()
    for (const secret of allSecrets()) {
      // The random part only: "atcr_device_" itself is no secret.
      const random = secret.replace(/^atcr_device_/, '')
      for (let at = 0; at + PIECE <= random.length; at++) pieces.set(random.slice(at, at + PIECE), secret)
    }
    for (const text of otherSecretTexts)
      for (let at = 0; at + PIECE <= text.length; at++) pieces.set(text.slice(at, at + PIECE), text)
    const output = capturedOutput()
    let bytes = 0
    const leaks: string[] = []
    for (const {label, stream, text} of output) {
      bytes += text.length
      for (let at = 0; at + PIECE <= text.length; at++) {
        const secret = pieces.get(text.slice(at, at + PIECE))
        if (secret !== undefined) {
          leaks.push(`${label} (${stream}): ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 40))}`)
          break
        }
      }
    }
    addFigure('secrets: distinct secrets used', allSecrets().size)
    addFigure('secrets: other secret-bearing texts (base64 auth values …)', otherSecretTexts.size)
    addFigure('secrets: outputs scanned (stdout + stderr streams)', output.length)
    addFigure('secrets: bytes of output scanned', bytes)
    reportFigures(t)
    assert.deepEqual(leaks, [], `${leaks.length} outputs hold a secret`)
    assert.ok(output.length > 0, 'nothing was captured: the scan would prove nothing')
  })
}
