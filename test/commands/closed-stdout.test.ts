/**
 * A people command whose stdout is closed early (`docker-credential-atcr --help | head -1`) ends as the
 * command would have, quietly: oclif's flush() used to wait for a 'drain' a closed pipe never emits,
 * and Node then ended the process with exit code 13 and "Warning: Detected unsettled top-level await".
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {after, describe, it} from 'node:test'

import {CLI, makeSandbox} from '../support/cli.ts'

const sandbox = makeSandbox()
after(() => sandbox.cleanup())

/** Run the CLI with its stdout closed by the reader before the CLI writes a byte. */
function runWithClosedStdout(args: string[]): Promise<{code: number | null; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: sandbox.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout.destroy()
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stderr}))
  })
}

describe('a closed stdout', () => {
  for (const args of [['--help'], ['version'], ['status', '--help']]) {
    it(`${args.join(' ')}: exit 0, nothing on stderr`, async () => {
      const result = await runWithClosedStdout(args)
      assert.equal(result.stderr, '')
      assert.equal(result.code, 0)
    })
  }
})
