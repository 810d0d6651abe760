/**
 * AppView faults during `get`, `login` and `status` (issue 6), against real servers on 127.0.0.1:
 * connection refused, DNS failure (`.invalid`), a server that accepts and never answers, 5xx, malformed
 * JSON, a slow answer, a self-signed TLS certificate, and a `slow_down` storm during login.
 *
 * - `get` always answers with the stored credentials and stays within its budget (1.5 s check + start);
 *   the max wall time under each fault is a figure, and anything above GET_LIMIT_MS fails.
 * - `login … --no-browser` fails with one clear message naming the AppView and the problem, no stack
 *   trace, and leaves the config directory byte-for-byte as it was (no account, no lock, no temp file).
 * - `status` reports every account of an unreachable AppView as `unreachable` (exit 0 as documented:
 *   only an invalid secret or an expired session exits 1), and changes nothing.
 * - https is checked: a self-signed certificate is refused by `get`'s lean check and by the got client
 *   (status, login), and the TLS server never receives a request.
 * - Redirects never carry credentials: a 302/307 from /auth/token (and /auth/device) to another
 *   host:port never reaches it with an Authorization header, for `get`, `status` and `logout`.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {chmodSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'

import {type AppViewEmulator, type Fault} from '../support/appview-emulator.ts'
import {
  addFigure,
  type CliResult,
  type Home,
  maxFigure,
  newHome,
  newSecret,
  runCli,
  setFigure,
  snapshot,
  startScannedEmulator,
  writeAccountFile,
} from './harness.ts'
import {testNoSecretLeaked} from './secrets.ts'

/** `get` may spend 1.5 s on the check; with process start and a loaded 2-core machine, 4 s is a failure. */
const GET_LIMIT_MS = 4000
const GET_RUNS = 3

// ---- servers that misbehave ---------------------------------------------------------------------

interface FaultServer {
  url: string
  host: string
  /** Requests that reached HTTP (method, path, whether they carried an Authorization header). */
  seen: {method: string; url: string; authorization: boolean}[]
  close(): Promise<void>
}

/** A port nobody listens on (bound, noted, released). */
async function refusedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Accepts connections and never says a word. */
async function silentServer(): Promise<FaultServer> {
  const sockets = new Set<net.Socket>()
  let accepted = 0
  const server = net.createServer((socket) => {
    accepted++
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as net.AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    get seen() {
      return Array.from({length: accepted}, () => ({method: '?', url: '?', authorization: false}))
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function recordingHandler(
  seen: FaultServer['seen'],
  answer: (request: http.IncomingMessage, response: http.ServerResponse) => void,
) {
  return (request: http.IncomingMessage, response: http.ServerResponse) => {
    seen.push({
      method: request.method ?? '?',
      url: request.url ?? '?',
      authorization: request.headers.authorization !== undefined,
    })
    request.resume()
    answer(request, response)
  }
}

async function listen(
  server: http.Server | https.Server,
  scheme: 'http' | 'https',
  seen: FaultServer['seen'],
) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as net.AddressInfo
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    seen,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

let certificate: {key: string; cert: string} | undefined
/** A self-signed certificate for 127.0.0.1, made once with `openssl req -x509`. */
function selfSigned(): {key: string; cert: string} {
  if (certificate) return certificate
  const directory = mkdtempSync(path.join(tmpdir(), 'atcr-tls-'))
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout', path.join(directory, 'key.pem'), '-out', path.join(directory, 'cert.pem')], // prettier-ignore
      {stdio: 'pipe'},
    )
    certificate = {
      key: readFileSync(path.join(directory, 'key.pem'), 'utf8'),
      cert: readFileSync(path.join(directory, 'cert.pem'), 'utf8'),
    }
    return certificate
  } finally {
    rmSync(directory, {recursive: true, force: true})
  }
}

/** An https AppView on 127.0.0.1 with a self-signed certificate; it would answer every check "valid". */
async function tlsServer(): Promise<FaultServer> {
  const seen: FaultServer['seen'] = []
  const server = https.createServer(
    selfSigned(),
    recordingHandler(seen, (_request, response) => {
      response.writeHead(200, {'content-type': 'application/json'}).end('{"token":"a.b.c"}')
    }),
  )
  server.on('tlsClientError', () => {})
  return listen(server, 'https', seen)
}

/** Records every request; answers 200 `{"token": …}` so a followed redirect would look like success. */
async function recordingServer(): Promise<FaultServer> {
  const seen: FaultServer['seen'] = []
  const server = http.createServer(
    recordingHandler(seen, (_request, response) => {
      response.writeHead(200, {'content-type': 'application/json'}).end('{"token":"a.b.c"}')
    }),
  )
  return listen(server, 'http', seen)
}

/** Answers every request with `status` and a Location on `target` (same path and query). */
async function redirectingServer(status: number, target: string): Promise<FaultServer> {
  const seen: FaultServer['seen'] = []
  const server = http.createServer(
    recordingHandler(seen, (request, response) => {
      response.writeHead(status, {location: `${target}${request.url ?? '/'}`}).end()
    }),
  )
  return listen(server, 'http', seen)
}

/**
 * An HTTP CONNECT proxy that tunnels every CONNECT to `port` on 127.0.0.1, whatever host was asked for:
 * the way to put a self-signed https server behind a registry name login resolves to https.
 */
async function tunnellingProxy(
  port: number,
): Promise<{url: string; connects: string[]; close(): Promise<void>}> {
  const connects: string[] = []
  const sockets = new Set<net.Socket>()
  const server = http.createServer((_request, response) => response.writeHead(405).end())
  server.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    connects.push(request.url ?? '?')
    sockets.add(client)
    client.on('error', () => {})
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('error', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as net.AddressInfo
  return {
    url: `http://127.0.0.1:${address.port}`,
    connects,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

// ---- the faults ----------------------------------------------------------------------------------

interface FaultSetup {
  /** Registry host as Docker names it. */
  host: string
  /** Key of the registry in the account file. */
  registryKey: string
  /** The account's `appview_url`, when the AppView is not the registry host itself. */
  appViewUrl?: string
  /** What `ATCR_DEBUG` / status must name as the reason. */
  reason: RegExp
  /** Requests that reached HTTP on a server that must never see one. */
  forbiddenRequests?: () => number
  close(): Promise<void>
}

interface FaultKind {
  name: string
  setup(): Promise<FaultSetup>
}

const noop = async () => {}

async function emulatorWith(faults: Fault[], options = {}): Promise<AppViewEmulator> {
  const emulator = await startScannedEmulator({interval: 0.2, ...options})
  for (const fault of faults) emulator.injectFault(fault)
  return emulator
}

const checkFaults: FaultKind[] = [
  {
    name: 'connection refused',
    async setup() {
      const port = await refusedPort()
      return {
        host: `127.0.0.1:${port}`,
        registryKey: `http://127.0.0.1:${port}`,
        reason: /ECONNREFUSED|connection refused/,
        close: noop,
      }
    },
  },
  {
    name: 'DNS failure',
    async setup() {
      return {
        host: 'atcr-fault.invalid',
        registryKey: 'https://atcr-fault.invalid',
        reason: /ENOTFOUND|EAI_AGAIN|does not resolve/,
        close: noop,
      }
    },
  },
  {
    name: 'accepts and never answers',
    async setup() {
      const server = await silentServer()
      return {
        host: server.host,
        registryKey: server.url,
        reason: /no answer|timed? ?out|ETIMEDOUT/i,
        close: () => server.close(),
      }
    },
  },
  {
    name: '5xx',
    async setup() {
      const emulator = await emulatorWith([{path: '/auth/token', kind: '5xx', count: 1000}])
      return {host: emulator.host, registryKey: emulator.url, reason: /503/, close: () => emulator.close()}
    },
  },
  {
    name: 'malformed JSON',
    async setup() {
      const emulator = await emulatorWith([{path: '/auth/token', kind: 'malformed', count: 1000}])
      return {
        host: emulator.host,
        registryKey: emulator.url,
        reason: /malformed/,
        close: () => emulator.close(),
      }
    },
  },
  {
    name: 'slow answer (6 s)',
    async setup() {
      const emulator = await emulatorWith([{path: '/auth/token', kind: 'slow', count: 1000, delayMs: 6000}])
      return {
        host: emulator.host,
        registryKey: emulator.url,
        reason: /no answer|timed? ?out|ETIMEDOUT/i,
        close: () => emulator.close(),
      }
    },
  },
  {
    name: 'self-signed TLS certificate',
    async setup() {
      const server = await tlsServer()
      return {
        host: 'atcr-tls.invalid',
        registryKey: 'https://atcr-tls.invalid',
        appViewUrl: server.url,
        reason: /SELF_SIGNED|self[- ]signed|certificate/i,
        forbiddenRequests: () => server.seen.length,
        close: () => server.close(),
      }
    },
  },
]

// ---- helpers -------------------------------------------------------------------------------------

function accountFile(
  registries: {key: string; handle: string; secret: string; appViewUrl?: string}[],
): string {
  const out: Record<string, unknown> = {}
  for (const {key, handle, secret, appViewUrl} of registries) {
    out[key] = {
      active: handle,
      accounts: {
        [handle]: {handle, did: '', device_secret: secret, ...(appViewUrl ? {appview_url: appViewUrl} : {})},
      },
    }
  }
  return `${JSON.stringify({version: 2, registries: out}, null, 2)}\n`
}

/** No lock, no temp file, nothing but what is expected in the config directory. */
function assertNoLeftovers(home: Home, allowed: string[], what: string): void {
  const names = snapshot(home.dir)
    .split('\n')
    .map((line) => line.split(':')[0]!)
    .filter((name) => name !== '')
  const extra = names.filter((name) => !allowed.includes(name))
  assert.ok(extra.length === 0, `${what}: unexpected files left in the config directory: ${extra.join(', ')}`)
}

/**
 * One message for a person: no stack trace, nothing on stdout, exactly one `Error: …` line (never
 * wrapped: src/lib/errors), naming the AppView and the problem. Progress lines
 * before it (the code, "retrying in …") are fine.
 */
function assertClearFailure(result: CliResult, names: RegExp, reason: RegExp, what: string): string {
  assert.ok(
    result.code === 1,
    `${what}: exit ${result.code} (signal ${result.signal}), expected 1; stderr ${JSON.stringify(result.stderr.slice(0, 400))}`,
  )
  assert.deepEqual(result.stdout, '', `${what}: stdout`)
  assert.ok(
    !/^\s+at .+[:(]/m.test(result.stderr),
    `${what}: stack trace on stderr: ${result.stderr.slice(0, 600)}`,
  )
  const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('Error: '))
  assert.ok(
    errorLines.length === 1,
    `${what}: expected exactly one "Error: " line: ${JSON.stringify(result.stderr)}`,
  )
  const message = errorLines[0]!
  assert.ok(names.test(message), `${what}: the message does not name ${names}: ${JSON.stringify(message)}`)
  assert.ok(reason.test(message), `${what}: the message does not say ${reason}: ${JSON.stringify(message)}`)
  return message
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

// ---- get ------------------------------------------------------------------------------------------

function registerGetCases(): void {
  for (const fault of checkFaults) {
    test(`appview faults › get under "${fault.name}": answers with the stored secret within ${GET_LIMIT_MS} ms`, async () => {
      const setup = await fault.setup()
      try {
        let max = 0
        for (let run = 0; run < GET_RUNS; run++) {
          const home = newHome()
          const secret = newSecret('af')
          const content = accountFile([
            {key: setup.registryKey, handle: 'alice.test', secret, appViewUrl: setup.appViewUrl},
          ])
          writeAccountFile(home, content)
          const debug = run === 0
          const result = await runCli(['get'], {
            env: debug ? {...home.env, ATCR_DEBUG: '1'} : home.env,
            input: setup.host,
            stdoutMayHoldSecret: true,
            label: `get (appview fault: ${fault.name}${debug ? ', debug' : ''})`,
            timeoutMs: 15_000,
          })
          assert.ok(
            result.code === 0,
            `get: exit ${result.code} (signal ${result.signal}): ${result.stdout}${result.stderr.slice(0, 400)}`,
          )
          assert.deepEqual(
            result.stdout,
            `${JSON.stringify({ServerURL: setup.host, Username: 'alice.test', Secret: secret})}\n`,
            'get answers with the stored credentials',
          )
          if (debug) {
            // The check was really made and really failed for this reason (not skipped or cached).
            assert.ok(
              /not checked/.test(result.stderr),
              `get did not report a failed check: ${result.stderr}`,
            )
            assert.ok(
              setup.reason.test(result.stderr),
              `get's debug output does not say ${setup.reason}: ${result.stderr}`,
            )
          } else {
            assert.ok(result.stderr === '', `get printed on stderr without ATCR_DEBUG: ${result.stderr}`)
          }
          assert.deepEqual(readFileSync(home.file, 'utf8'), content, 'account file unchanged')
          assertNoLeftovers(home, ['device.json', 'session-cache.json'], 'get')
          max = Math.max(max, result.ms)
        }
        maxFigure(`appview faults: get max wall ms, ${fault.name}`, Math.round(max))
        maxFigure('appview faults: get max wall ms, any fault', Math.round(max))
        assert.ok(
          max <= GET_LIMIT_MS,
          `get took ${Math.round(max)} ms under "${fault.name}" (limit ${GET_LIMIT_MS})`,
        )
        const forbidden = setup.forbiddenRequests?.() ?? 0
        assert.ok(forbidden === 0, `the untrusted server received ${forbidden} HTTP requests`)
      } finally {
        await setup.close()
      }
    })
  }
}

// ---- status --------------------------------------------------------------------------------------

function registerStatusCases(): void {
  test('appview faults › status under every fault at once: each account "unreachable" with its reason, exit 0, nothing changed', async () => {
    const setups = await Promise.all(checkFaults.map((fault) => fault.setup()))
    try {
      const home = newHome()
      const content = accountFile(
        setups.map((setup, index) => ({
          key: setup.registryKey,
          handle: `user${index}.test`,
          secret: newSecret('st'),
          appViewUrl: setup.appViewUrl,
        })),
      )
      writeAccountFile(home, content)
      const before = snapshot(home.dir)
      for (const json of [true, false]) {
        const result = await runCli(json ? ['status', '--json'] : ['status'], {
          env: home.env,
          label: `status${json ? ' --json' : ''} (appview faults)`,
          timeoutMs: 30_000,
        })
        maxFigure('appview faults: status wall ms, all faults at once', Math.round(result.ms))
        assert.ok(
          result.code === 0,
          `status: exit ${result.code} (documented: 1 only when a login is needed): ${result.stderr}`,
        )
        assert.ok(!/^\s+at .+[:(]/m.test(result.stderr), `status: stack trace: ${result.stderr}`)
        if (json) {
          const report = JSON.parse(result.stdout) as {
            registries: {registry: string; accounts: {handle: string; state: string; detail?: string}[]}[]
            needsLogin: boolean
          }
          assert.deepEqual(report.needsLogin, false, 'needsLogin')
          checkFaults.forEach((fault, index) => {
            const setup = setups[index]!
            const registry = report.registries.find((item) => item.registry === setup.host)
            assert.ok(registry, `status --json has no registry ${setup.host} (${fault.name})`)
            const account = registry.accounts[0]!
            assert.deepEqual(account.state, 'unreachable', `state under "${fault.name}"`)
            assert.ok(
              setup.reason.test(account.detail ?? ''),
              `detail under "${fault.name}" does not say ${setup.reason}: ${account.detail}`,
            )
          })
        } else {
          checkFaults.forEach((fault, index) => {
            const setup = setups[index]!
            const block =
              result.stdout.split(`\n${setup.host}\n`)[1] ??
              (result.stdout.startsWith(`${setup.host}\n`) ? result.stdout.slice(setup.host.length + 1) : '')
            const line = block.split('\n')[0] ?? ''
            assert.ok(
              /user\d+\.test.*: unreachable \(/.test(line),
              `status names no problem for ${setup.host} (${fault.name}): ${JSON.stringify(line)}`,
            )
            assert.ok(
              setup.reason.test(line),
              `status line for "${fault.name}" does not say ${setup.reason}: ${line}`,
            )
          })
        }
        for (const setup of setups) {
          const forbidden = setup.forbiddenRequests?.() ?? 0
          assert.ok(forbidden === 0, `the untrusted TLS server received ${forbidden} HTTP requests`)
        }
        assert.deepEqual(snapshot(home.dir), before, 'config directory unchanged')
      }
    } finally {
      await Promise.all(setups.map((setup) => setup.close()))
    }
  })
}

// ---- login ---------------------------------------------------------------------------------------

interface LoginFault {
  name: string
  /** host to log in to, what the message must name, the reason it must give, and cleanup */
  setup(): Promise<{
    host: string
    names: RegExp
    reason: RegExp
    close(): Promise<void>
    after?(): void
    env?: NodeJS.ProcessEnv
  }>
}

const loginFaults: LoginFault[] = [
  {
    name: 'connection refused',
    async setup() {
      const port = await refusedPort()
      return {
        host: `127.0.0.1:${port}`,
        names: new RegExp(`127\\.0\\.0\\.1:${port}`),
        reason: /connection refused/,
        close: noop,
      }
    },
  },
  {
    name: 'DNS failure',
    async setup() {
      return {
        host: 'atcr-fault.invalid',
        names: /atcr-fault\.invalid/,
        reason: /does not resolve/,
        close: noop,
      }
    },
  },
  {
    name: 'accepts and never answers',
    async setup() {
      const server = await silentServer()
      return {
        host: server.host,
        names: new RegExp(escape(server.host)),
        reason: /timed? ?out|no answer|timeout/i,
        close: () => server.close(),
      }
    },
  },
  {
    name: 'self-signed TLS certificate (through an HTTPS_PROXY tunnel)',
    async setup() {
      const server = await tlsServer()
      const proxy = await tunnellingProxy(Number(new URL(server.url).port))
      return {
        host: 'atcr-tls.invalid',
        names: /atcr-tls\.invalid/,
        reason: /self[- ]signed|certificate|SELF_SIGNED/i,
        env: {HTTPS_PROXY: proxy.url},
        close: async () => {
          await proxy.close()
          await server.close()
        },
        after() {
          assert.ok(proxy.connects.length > 0, 'login never went through the proxy: the case proves nothing')
          assert.deepEqual(server.seen.length, 0, 'HTTP requests that reached the self-signed server')
        },
      }
    },
  },
  {
    name: '5xx on the device code request',
    async setup() {
      const emulator = await emulatorWith([{path: '/auth/device/code', kind: '5xx', count: 100}])
      return {
        host: emulator.host,
        names: new RegExp(escape(emulator.host)),
        reason: /503/,
        close: () => emulator.close(),
      }
    },
  },
  {
    name: 'malformed JSON on the device code request',
    async setup() {
      const emulator = await emulatorWith([{path: '/auth/device/code', kind: 'malformed', count: 100}])
      return {
        host: emulator.host,
        names: new RegExp(escape(emulator.host)),
        reason: /malformed|missing|invalid|device_code|JSON/i,
        close: () => emulator.close(),
      }
    },
  },
  {
    name: '5xx on every poll',
    async setup() {
      const emulator = await emulatorWith([{path: '/auth/device/token', kind: '5xx', count: 1000}])
      return {
        host: emulator.host,
        names: new RegExp(escape(emulator.host)),
        reason: /503|stopped answering/,
        close: () => emulator.close(),
      }
    },
  },
  {
    name: 'malformed JSON on every poll',
    async setup() {
      const emulator = await emulatorWith([{path: '/auth/device/token', kind: 'malformed', count: 1000}])
      return {
        host: emulator.host,
        names: new RegExp(escape(emulator.host)),
        reason: /malformed|stopped answering/i,
        close: () => emulator.close(),
      }
    },
  },
  {
    name: 'slow_down storm until the code expires',
    async setup() {
      // Every poll answers slow_down: +5 s each (RFC 8628 §3.5); the 8 s code runs out after 2 polls.
      const emulator = await emulatorWith([{path: '/auth/device/token', kind: 'slow_down', count: 1000}], {
        expiresIn: 8,
      })
      return {
        host: emulator.host,
        names: new RegExp(escape(emulator.host)),
        reason: /expired/,
        close: () => emulator.close(),
        after() {
          const polls = emulator.requests.filter((request) => request.path === '/auth/device/token').length
          setFigure('appview faults: login polls during an 8 s slow_down storm', polls)
          assert.ok(
            polls >= 1 && polls <= 3,
            `login polled ${polls} times in 8 s of slow_down (interval +5 s each)`,
          )
          assert.deepEqual(emulator.earlyPolls, 0, 'polls sooner than the interval')
        },
      }
    },
  },
]

function registerLoginCases(): void {
  for (const fault of loginFaults) {
    test(`appview faults › login --no-browser under "${fault.name}": one clear message, no partial state`, async () => {
      const setup = await fault.setup()
      try {
        const home = newHome()
        writeAccountFile(
          home,
          accountFile([{key: 'http://localhost:5000', handle: 'bob.test', secret: newSecret('lf')}]),
        )
        const before = snapshot(home.dir)
        const result = await runCli(['login', setup.host, '--no-browser'], {
          env: {...home.env, ...setup.env},
          label: `login (appview fault: ${fault.name})`,
          timeoutMs: 40_000,
        })
        maxFigure('appview faults: login max wall ms to a clear failure', Math.round(result.ms))
        assertClearFailure(result, setup.names, setup.reason, `login under "${fault.name}"`)
        assert.deepEqual(snapshot(home.dir), before, 'config directory byte-for-byte unchanged')
        setup.after?.()
        addFigure('appview faults: login faults failing cleanly')
      } finally {
        await setup.close()
      }
    })
  }
}

// ---- redirects never carry credentials ----------------------------------------------------------

function registerRedirectCases(): void {
  for (const status of [302, 307]) {
    test(`appview faults › a ${status} from the AppView to another host:port never receives the Authorization (get, status, logout)`, async () => {
      const target = await recordingServer()
      const source = await redirectingServer(status, target.url)
      try {
        const secret = newSecret('rd')
        const content = accountFile([
          {key: 'https://atcr-redirect.invalid', handle: 'alice.test', secret, appViewUrl: source.url},
        ])
        const runs: [string, string[], string | undefined][] = [
          ['get', ['get'], 'atcr-redirect.invalid'],
          ['status', ['status', '--json'], undefined],
          ['logout', ['logout', 'atcr-redirect.invalid', '--account', 'alice.test', '--yes'], undefined],
        ]
        for (const [name, args, input] of runs) {
          const home = newHome()
          writeAccountFile(home, content)
          const seenBefore = source.seen.length
          const result = await runCli(args, {
            env: {...home.env, ATCR_DEBUG: '1'},
            input,
            stdoutMayHoldSecret: name === 'get',
            label: `${name} (AppView redirects ${status})`,
            timeoutMs: 20_000,
          })
          assert.ok(result.code === 0, `${name}: exit ${result.code}: ${result.stderr.slice(0, 400)}`)
          assert.ok(
            source.seen.length > seenBefore,
            `${name} never asked the AppView: the case proves nothing`,
          )
          assert.ok(
            source.seen.slice(seenBefore).every((request) => request.authorization),
            `${name}: the AppView got no credentials`,
          )
          if (name === 'get')
            assert.deepEqual(
              result.stdout,
              `${JSON.stringify({ServerURL: 'atcr-redirect.invalid', Username: 'alice.test', Secret: secret})}\n`,
              'get answers',
            )
          if (name === 'status') {
            const report = JSON.parse(result.stdout) as {registries: {accounts: {state: string}[]}[]}
            assert.deepEqual(
              report.registries[0]?.accounts[0]?.state,
              'unreachable',
              'status state after a redirect',
            )
          }
          addFigure('appview faults: redirected requests checked')
        }
        const leaked = target.seen.filter((request) => request.authorization)
        assert.ok(leaked.length === 0, `the other host received credentials: ${JSON.stringify(leaked)}`)
        setFigure(`appview faults: requests reaching the redirect target (${status})`, target.seen.length)
      } finally {
        await source.close()
        await target.close()
      }
    })
  }
}

function registerAppViewFaultCases(): void {
  registerGetCases()
  registerStatusCases()
  registerLoginCases()
  registerRedirectCases()
}

// ---- secrets at rest: a readable account file gets a warning on people commands -----------------

function registerModeWarningCases(): void {
  const layouts: {name: string; dir: number; file: number}[] = [
    {name: '0700/0600 (no warning)', dir: 0o700, file: 0o600},
    {name: 'file 0644', dir: 0o700, file: 0o644},
    {name: 'file 0640', dir: 0o700, file: 0o640},
    {name: 'directory 0755', dir: 0o755, file: 0o600},
    {name: 'directory 0777, file 0666', dir: 0o777, file: 0o666},
  ]
  test('modes › a group- or world-readable account file or directory: one warning with the chmod, people commands only', async () => {
    for (const layout of layouts) {
      const home = newHome()
      const secret = newSecret('mw')
      writeAccountFile(
        home,
        accountFile([{key: 'http://localhost:5000', handle: 'alice.test', secret}]),
        layout.file,
      )
      chmodSync(home.dir, layout.dir)
      const expected: string[] = []
      if (layout.dir & 0o077) expected.push(`chmod 700 '${home.dir}'`)
      if (layout.file & 0o077) expected.push(`chmod 600 '${home.file}'`)
      for (const args of [
        ['status', '--offline'],
        ['status', '--offline', '--json'],
        ['switch', 'localhost:5000', '--account', 'alice.test'],
      ]) {
        const result = await runCli(args, {
          env: home.env,
          label: `${args.join(' ')} (mode warning, ${layout.name})`,
        })
        assert.ok(result.code === 0, `${args.join(' ')}: exit ${result.code}: ${result.stderr}`)
        const warnings = result.stderr.split('\n').filter((line) => line.startsWith('Warning: '))
        if (expected.length === 0) {
          assert.deepEqual(warnings, [], `${layout.name}: ${args.join(' ')} warnings`)
        } else {
          assert.deepEqual(warnings.length, 1, `${layout.name}: ${args.join(' ')} warnings`)
          assert.ok(
            warnings[0]!.endsWith(`Fix it: ${expected.join(' && ')}`),
            `${layout.name}: the warning does not give the exact fix: ${warnings[0]}`,
          )
          addFigure('modes: loose-mode warnings checked on people commands')
        }
      }
      for (const [verb, input] of [
        ['get', 'localhost:5000'],
        ['list', ''],
      ] as const) {
        const result = await runCli([verb], {
          env: home.env,
          input,
          stdoutMayHoldSecret: verb === 'get',
          label: `${verb} (mode warning, ${layout.name})`,
        })
        assert.ok(result.code === 0, `${verb}: exit ${result.code}`)
        assert.deepEqual(result.stderr, '', `${layout.name}: ${verb} (a protocol verb) printed on stderr`)
      }
    }
  })
}

registerAppViewFaultCases()
registerModeWarningCases()
testNoSecretLeaked()
