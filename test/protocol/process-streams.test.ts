/**
 * The protocol verbs read stdin and write stdout on the file descriptors (src/lib/protocol/process-streams.ts):
 * every kind of stdin a client can hand over still gives the same answer, spawned as a client runs it.
 */
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {closeSync, constants, openSync, writeFileSync, writeSync} from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {CLI, makeSandbox, type Sandbox} from '../support/cli.ts'

const ALICE = {handle: 'alice.bsky.social', did: 'did:plc:alice', device_secret: 'atcr_device_alice_streams'}
const ANSWER = `${JSON.stringify({ServerURL: 'atcr.io', Username: ALICE.handle, Secret: ALICE.device_secret})}\n`

interface Outcome {
  code: number | null
  stdout: string
  stderr: string
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd)
  } catch {
    // already closed
  }
}

function collect(child: ReturnType<typeof spawn>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

describe('protocol verbs on every kind of stdin and stdout', {timeout: 60_000}, () => {
  let sandbox: Sandbox
  before(() => {
    sandbox = makeSandbox()
    sandbox.writeAccounts({
      version: 2,
      registries: {'https://atcr.io': {active: ALICE.handle, accounts: {[ALICE.handle]: ALICE}}},
    })
  })
  after(() => sandbox.cleanup())

  it('get < file: a regular file as stdin', async () => {
    const file = path.join(sandbox.root, 'host.txt')
    writeFileSync(file, 'atcr.io\n')
    const fd = openSync(file, 'r')
    try {
      const child = spawn(process.execPath, [CLI, 'get'], {env: sandbox.env, stdio: [fd, 'pipe', 'pipe']})
      const result = await collect(child)
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout, ANSWER)
    } finally {
      closeSync(fd)
    }
  })

  it('a non-blocking stdin pipe, still empty when get reads it: the answer once the host arrives', async () => {
    const fifo = path.join(sandbox.root, 'stdin.fifo')
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0)
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    const writer = openSync(fifo, 'w')
    try {
      const child = spawn(process.execPath, [CLI, 'get'], {env: sandbox.env, stdio: [reader, 'pipe', 'pipe']})
      // The helper shares this open pipe; opening it as a socket here makes it non-blocking for both, as
      // a parent that uses it asynchronously would: a read before the client wrote fails with EAGAIN.
      new net.Socket({fd: reader, readable: false, writable: false})
      const outcome = collect(child)
      setTimeout(() => {
        writeSync(writer, 'atcr.io')
        closeSync(writer)
      }, 300)
      const result = await outcome
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout, ANSWER)
    } finally {
      closeQuietly(writer)
    }
  })

  it('a client that closed its end of stdout: get exits 1, with nothing on stderr', async () => {
    const child = spawn(process.execPath, [CLI, 'get'], {env: sandbox.env, stdio: ['pipe', 'pipe', 'pipe']})
    child.stdout.destroy() // before the helper could write: its answer meets a closed pipe (EPIPE)
    const outcome = collect(child)
    child.stdin.end('atcr.io')
    const result = await outcome
    assert.equal(result.code, 1)
    assert.equal(result.stderr, '')
  })
})
