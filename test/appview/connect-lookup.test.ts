/**
 * Issue 17: `get`'s name lookups end at the session check's deadline and leave nothing behind that keeps
 * the process alive (getaddrinfo could not be cancelled: a resolver that never answered held `get` for
 * 10 s after its answer). The end-to-end case, with the machine's resolver pointed at a DNS server that
 * never answers, is in the faults suite (test/faults/get-edges.faults.ts).
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import dgram from 'node:dgram'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'

import {cancellableLookup, connectLookup, hostsFileAddresses} from '../../src/lib/registry/connect-lookup.ts'

const LOOKUP = fileURLToPath(new URL('../../src/lib/registry/connect-lookup.ts', import.meta.url))
const LEAN = fileURLToPath(new URL('../../src/lib/session-check/check-secret-lean.ts', import.meta.url))

describe('/etc/hosts', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atcr-hosts-'))
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('gives the addresses of a name, in file order, ignoring comments and case', () => {
    const hosts = path.join(dir, 'hosts')
    writeFileSync(
      hosts,
      '# comment registry.example\n127.0.0.1 localhost\n192.0.2.1\tRegistry.Example other # x\n' +
        '2001:db8::1 registry.example.\nnot-an-ip registry.example\n',
    )
    assert.deepEqual(hostsFileAddresses('registry.example', hosts), [
      {address: '192.0.2.1', family: 4},
      {address: '2001:db8::1', family: 6},
    ])
    assert.deepEqual(hostsFileAddresses('absent.example', hosts), [])
    assert.deepEqual(hostsFileAddresses('x', path.join(dir, 'missing')), [])
  })

  it('answers from /etc/hosts first, by family', async () => {
    const hosts = path.join(dir, 'hosts2')
    writeFileSync(hosts, '192.0.2.7 reg.example\n2001:db8::7 reg.example\n')
    const lookup = connectLookup({
      resolve: cancellableLookup({hostsFile: hosts}),
      deadline: Date.now() + 2000,
    })
    const all = await new Promise((resolve, reject) =>
      lookup('reg.example', {all: true}, (error, addresses) => (error ? reject(error) : resolve(addresses))),
    )
    assert.deepEqual(all, [
      {address: '192.0.2.7', family: 4},
      {address: '2001:db8::7', family: 6},
    ])
    const six = await new Promise((resolve, reject) =>
      lookup('reg.example', {family: 6}, (error, address) => (error ? reject(error) : resolve(address))),
    )
    assert.equal(six, '2001:db8::7')
  })
})

describe('a DNS server that never answers', () => {
  let server: dgram.Socket
  let port = 0
  let queries = 0
  before(async () => {
    server = dgram.createSocket('udp4')
    server.on('message', () => queries++)
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve))
    port = server.address().port
  })
  after(() => server.close())

  it("get's check gives up at its budget, and nothing is left to keep the process alive", async () => {
    // In a child process without process.exit: it ends only when nothing is pending any more.
    const script = `
      import {cancellableLookup} from ${JSON.stringify(LOOKUP)}
      import {checkSecretLean} from ${JSON.stringify(LEAN)}
      const resolve = cancellableLookup({hostsFile: '/nonexistent', servers: ['127.0.0.1:${port}']})
      const started = performance.now()
      const result = await checkSecretLean({
        baseUrl: 'https://registry.example', handle: 'a.test', deviceSecret: 'atcr_device_x',
        service: 'registry.example', budgetMs: 400, env: {},
        lookup: (host, options, callback) => resolve(host, options, callback),
      })
      console.log(JSON.stringify({result, ms: Math.round(performance.now() - started)}))
    `
    const started = performance.now()
    const {stdout, code} = await new Promise<{stdout: string; code: number | null}>((resolve) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      child.on('close', (exitCode) => {
        clearTimeout(timer)
        resolve({stdout: out, code: exitCode})
      })
    })
    const exitedMs = performance.now() - started
    assert.equal(code, 0, stdout)
    const {result, ms} = JSON.parse(stdout) as {result: {state: string; reason: string}; ms: number}
    assert.equal(result.state, 'unreachable')
    assert.match(result.reason, /registry\.example did not resolve within \d+ ms/)
    assert.ok(ms < 1000, `answered after ${ms} ms`)
    assert.ok(queries > 0, 'the DNS server was never asked')
    assert.ok(exitedMs < 4000, `the process lived ${Math.round(exitedMs)} ms`)
  })
})
