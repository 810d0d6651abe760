/**
 * The project's AppView emulator: a real HTTP server on 127.0.0.1 that speaks the contract of
 * spec/appview-api.md (paths and codes from src/lib/appview/contract.ts, so the two stay in step), with
 * controls for tests and demos — in process, and over HTTP under /_emulator/… for other processes.
 *
 * It also issues Docker registry tokens (RS256 JWTs with an x5c header, as distribution verifies them
 * against its rootcertbundle) and proxies /v2/… to a registry upstream, so an end-to-end test can put a
 * real distribution registry behind it.
 */
import {execFile} from 'node:child_process'
import {createPrivateKey, createSign, randomBytes, randomUUID, X509Certificate} from 'node:crypto'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import {
  DEVICE_TOKEN_ERRORS,
  parseBasicAuthorization,
  PATHS,
  TOKEN_ERRORS,
} from '../../src/lib/appview/contract.ts'
import {DEVICE_SECRET_PREFIX} from '../../src/lib/protocol/messages.ts'

export interface EmulatorAccount {
  handle: string
  did: string
}

export type FaultKind = '5xx' | 'slow' | 'malformed' | 'slow_down' | 'hang' | 'huge' | 'trickle'

export interface Fault {
  /** Only requests to this path (no query); every contract path when left out. */
  path?: string
  kind: FaultKind
  /** How many requests it affects (default 1). */
  count?: number
  /** For `slow` (default 3000 ms); for `trickle`, the pause between bytes (default 200 ms). */
  delayMs?: number
  /** For `huge`: how many bytes of JSON-looking answer to send (default 1.5 GB, streamed). */
  bytes?: number
}

/**
 * A malicious AppView (issue 11): fields merged into the contract's answers, or an answer of its own.
 * Everything a hostile server could send a helper: escapes, newlines, bad schemes, odd handles.
 */
export interface HostileAnswers {
  /** Merged into the §1 answer (user_code, verification_uri, verification_uri_complete …). */
  deviceCode?: Record<string, unknown>
  /** Merged into the §2 approval (handle, did …). */
  approved?: Record<string, unknown>
  /** Replaces every §3 answer that is not a 200: status and body. */
  tokenError?: {status: number; body: unknown}
}

/** How an expired session is answered: the real AppView's shape `{error, message, login_url}`. */
export interface SessionExpiry {
  /** Default `oauth_session_expired` (ours; the real AppView's codes are not public). */
  error?: string
  /** 401 (default) or 403. */
  status?: number
  message?: string
  /** Default: the emulator's /auth/oauth/login?handle=… */
  loginUrl?: string
}

export interface EmulatorOptions {
  port?: number
  registryUpstream?: string
  /** Polling interval handed out in §1, in seconds; fractions allowed for tests (default 1). */
  interval?: number
  /** Lifetime of a device code in seconds (default 600). */
  expiresIn?: number
  /** Told every device secret the emulator hands out, so a test can search its output for them. */
  onSecretIssued?: (secret: string) => void
  /**
   * The clock of device codes (expiry, early polls), in milliseconds like Date.now() (the default): a
   * test that polls on a virtual clock hands the emulator the same clock.
   */
  now?: () => number
}

export interface LoggedRequest {
  method: string
  path: string
}

export interface AppViewEmulator {
  url: string
  host: string
  tokenCertificatePem: string
  tokenIssuer: string
  approve(userCode: string, account: EmulatorAccount): void
  approveNext(account: EmulatorAccount): void
  deny(userCode: string): void
  expireCode(userCode: string): void
  revoke(deviceSecret: string): void
  expireSession(handle: string, how?: SessionExpiry): void
  /** Turn the hostile answers on (undefined: off). */
  setHostile(answers: HostileAnswers | undefined): void
  restoreSession(handle: string): void
  addAccount(account: EmulatorAccount): string
  injectFault(fault: Fault): void
  clearFaults(): void
  setRegistryUpstream(url: string | undefined): void
  /** User codes waiting for a decision, oldest first. */
  pendingCodes(): string[]
  /** Polls that came sooner than the interval allows. */
  readonly earlyPolls: number
  /** Every request (method and path, never a query or a header), oldest first. */
  readonly requests: LoggedRequest[]
  close(): Promise<void>
}

interface DeviceCodeState {
  deviceCode: string
  userCode: string
  expiresAt: number
  interval: number
  lastPollAt?: number
  decision: 'pending' | 'approved' | 'denied'
  account?: EmulatorAccount
  /** Handed out once; a second poll after success is an unknown code. */
  collected?: boolean
}

const execFileAsync = promisify(execFile)

async function makeSigningCertificate(): Promise<{keyPem: string; certPem: string}> {
  const directory = await mkdtemp(path.join(tmpdir(), 'atcr-emulator-'))
  try {
    const keyFile = path.join(directory, 'key.pem')
    const certFile = path.join(directory, 'cert.pem')
    await execFileAsync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=atcr-emulator', '-days', '2',
      '-keyout', keyFile, '-out', certFile,
    ]) // prettier-ignore
    return {keyPem: await readFile(keyFile, 'utf8'), certPem: await readFile(certFile, 'utf8')}
  } finally {
    await rm(directory, {recursive: true, force: true})
  }
}

function userCode(): string {
  const alphabet = 'BCDFGHJKLMNPQRSTVWXZ' // RFC 8628 §6.1: no vowels, no look-alikes
  const pick = () => Array.from(randomBytes(4), (byte) => alphabet[byte % alphabet.length]).join('')
  return `${pick()}-${pick()}`
}

function send(
  response: http.ServerResponse,
  status: number,
  body?: unknown,
  headers: http.OutgoingHttpHeaders = {},
) {
  if (body === undefined) {
    response.writeHead(status, headers).end()
    return
  }
  const text = JSON.stringify(body)
  response.writeHead(status, {'content-type': 'application/json', ...headers}).end(text)
}

async function readBody(request: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (text === '') return {}
  if (!text.startsWith('{')) return Object.fromEntries(new URLSearchParams(text))
  try {
    const parsed: unknown = JSON.parse(text)
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function startAppViewEmulator(options: EmulatorOptions = {}): Promise<AppViewEmulator> {
  const {keyPem, certPem} = await makeSigningCertificate()
  const signingKey = createPrivateKey(keyPem)
  const certificateDer = new X509Certificate(certPem).raw.toString('base64')
  const interval = options.interval ?? 1
  const expiresIn = options.expiresIn ?? 600
  const now = options.now ?? Date.now

  const codes = new Map<string, DeviceCodeState>() // by device code
  const secrets = new Map<string, EmulatorAccount>()
  const expiredSessions = new Map<string, SessionExpiry>()
  let hostile: HostileAnswers | undefined
  const approveNextQueue: EmulatorAccount[] = []
  let faults: {path?: string; kind: FaultKind; count: number; delayMs: number; bytes: number}[] = []
  let registryUpstream = options.registryUpstream
  const requests: LoggedRequest[] = []
  let earlyPolls = 0
  let url = ''
  let host = ''
  const tokenIssuer = 'atcr-emulator'

  const byUserCode = (code: string) => {
    const wanted = code.trim().toUpperCase()
    for (const state of codes.values()) if (state.userCode === wanted) return state
    throw new Error(`emulator: no device code with user code ${code}`)
  }
  const issueSecret = (account: EmulatorAccount) => {
    const secret = `${DEVICE_SECRET_PREFIX}${randomBytes(24).toString('base64url')}`
    secrets.set(secret, {handle: account.handle.toLowerCase(), did: account.did})
    options.onSecretIssued?.(secret)
    return secret
  }

  const controls = {
    approve(code: string, account: EmulatorAccount) {
      const state = byUserCode(code)
      state.decision = 'approved'
      state.account = account
    },
    approveNext(account: EmulatorAccount) {
      approveNextQueue.push(account)
    },
    deny(code: string) {
      byUserCode(code).decision = 'denied'
    },
    expireCode(code: string) {
      byUserCode(code).expiresAt = 0
    },
    revoke(deviceSecret: string) {
      secrets.delete(deviceSecret)
    },
    expireSession(handle: string, how: SessionExpiry = {}) {
      expiredSessions.set(handle.toLowerCase(), how)
    },
    setHostile(answers: HostileAnswers | undefined) {
      hostile = answers
    },
    restoreSession(handle: string) {
      expiredSessions.delete(handle.toLowerCase())
    },
    addAccount(account: EmulatorAccount) {
      return issueSecret(account)
    },
    injectFault(fault: Fault) {
      faults.push({
        path: fault.path,
        kind: fault.kind,
        count: fault.count ?? 1,
        delayMs: fault.delayMs ?? (fault.kind === 'trickle' ? 200 : 3000),
        bytes: fault.bytes ?? 1.5 * 1024 ** 3,
      })
    },
    clearFaults() {
      faults = []
    },
    setRegistryUpstream(upstream: string | undefined) {
      registryUpstream = upstream || undefined
    },
    pendingCodes() {
      return [...codes.values()]
        .filter((state) => state.decision === 'pending' && state.expiresAt > now())
        .map((state) => state.userCode)
    },
  }

  function takeFault(pathname: string) {
    const index = faults.findIndex(
      (fault) => fault.count > 0 && (fault.path === undefined || fault.path === pathname),
    )
    if (index === -1) return undefined
    const fault = faults[index]!
    fault.count -= 1
    if (fault.count <= 0) faults.splice(index, 1)
    return fault
  }

  function signToken(input: {sub: string; service: string; access: unknown[]}): string {
    const now = Math.floor(Date.now() / 1000)
    const header = {alg: 'RS256', typ: 'JWT', x5c: [certificateDer]}
    const claims = {
      iss: tokenIssuer,
      sub: input.sub,
      aud: input.service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: input.access,
    }
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const unsigned = `${encode(header)}.${encode(claims)}`
    const signature = createSign('RSA-SHA256').update(unsigned).sign(signingKey).toString('base64url')
    return `${unsigned}.${signature}`
  }

  function grantedAccess(scopes: string[], account: EmulatorAccount | undefined) {
    const access = []
    for (const scope of scopes) {
      const parts = scope.split(':')
      if (parts.length < 3 || parts[0] !== 'repository') continue
      const name = parts.slice(1, -1).join(':')
      const requested = parts.at(-1)!.split(',')
      const owns =
        account !== undefined &&
        (name.toLowerCase().startsWith(`${account.handle.toLowerCase()}/`) ||
          (account.did !== '' && name.startsWith(`${account.did}/`)))
      const actions = requested.filter((action) => action === 'pull' || (action === 'push' && owns))
      access.push({type: 'repository', name, actions: [...new Set(actions)]})
    }
    return access
  }

  /** Basic auth → the account, or the 401 answer to give. */
  function authenticate(
    request: http.IncomingMessage,
  ): {account: EmulatorAccount; secret: string} | {status: number; body: unknown} | undefined {
    const header = request.headers.authorization
    if (!header) return undefined
    const basic = parseBasicAuthorization(header)
    const account = basic && secrets.get(basic.password)
    if (!basic || !account || account.handle !== basic.user.toLowerCase()) {
      return {status: 401, body: {error: TOKEN_ERRORS.invalidCredentials}}
    }
    const expiry = expiredSessions.get(account.handle)
    if (expiry) {
      // The real AppView's error body: {"error", "message", "login_url"} (spec/appview-api.md §3).
      return {
        status: expiry.status ?? 401,
        body: {
          error: expiry.error ?? TOKEN_ERRORS.sessionExpired,
          message: expiry.message ?? 'Your AT Protocol session expired: sign in again in the browser.',
          login_url:
            expiry.loginUrl ?? `${url}/auth/oauth/login?handle=${encodeURIComponent(account.handle)}`,
        },
      }
    }
    return {account, secret: basic.password}
  }

  async function handleContract(request: http.IncomingMessage, response: http.ServerResponse, target: URL) {
    const method = request.method ?? 'GET'
    const pathname = target.pathname

    if (method === 'POST' && pathname === PATHS.deviceCode) {
      await readBody(request)
      const deviceCode = randomBytes(24).toString('base64url')
      const state: DeviceCodeState = {
        deviceCode,
        userCode: userCode(),
        expiresAt: now() + expiresIn * 1000,
        interval,
        decision: 'pending',
      }
      const next = approveNextQueue.shift()
      if (next) {
        state.decision = 'approved'
        state.account = next
      }
      codes.set(deviceCode, state)
      send(response, 200, {
        device_code: deviceCode,
        user_code: state.userCode,
        verification_uri: `${url}/device`,
        verification_uri_complete: `${url}/device?code=${state.userCode}`,
        expires_in: expiresIn,
        interval,
        ...hostile?.deviceCode,
      })
      return
    }

    if (method === 'POST' && pathname === PATHS.deviceToken) {
      const body = await readBody(request)
      const state = typeof body.device_code === 'string' ? codes.get(body.device_code) : undefined
      const error = (code: string) =>
        send(response, 400, {error: code, error_description: code.replaceAll('_', ' ')})
      const polledAt = now()
      if (!state || state.collected || state.expiresAt <= polledAt) return error(DEVICE_TOKEN_ERRORS.expired)
      const tooEarly =
        state.lastPollAt !== undefined && polledAt - state.lastPollAt < state.interval * 1000 - 25
      state.lastPollAt = polledAt
      if (tooEarly) {
        earlyPolls += 1
        state.interval += 5
        return error(DEVICE_TOKEN_ERRORS.slowDown)
      }
      if (state.decision === 'denied') return error(DEVICE_TOKEN_ERRORS.denied)
      if (state.decision === 'pending') return error(DEVICE_TOKEN_ERRORS.pending)
      state.collected = true
      const account = state.account!
      send(response, 200, {
        device_secret: issueSecret(account),
        handle: account.handle,
        did: account.did,
        ...hostile?.approved,
      })
      return
    }

    if (method === 'GET' && pathname === PATHS.token) {
      const service = target.searchParams.get('service') ?? host
      const scopes = target.searchParams
        .getAll('scope')
        .flatMap((scope) => scope.split(' '))
        .filter(Boolean)
      const auth = authenticate(request)
      if (hostile?.tokenError) return send(response, hostile.tokenError.status, hostile.tokenError.body)
      if (auth && 'status' in auth) return send(response, auth.status, auth.body)
      const account = auth?.account
      const token = signToken({sub: account?.did ?? '', service, access: grantedAccess(scopes, account)})
      send(response, 200, {token, access_token: token, expires_in: 300, issued_at: new Date().toISOString()})
      return
    }

    if (method === 'DELETE' && pathname === PATHS.device) {
      const auth = authenticate(request)
      if (!auth) return send(response, 401, {error: TOKEN_ERRORS.invalidCredentials})
      if ('status' in auth) {
        // A revoke with an expired session still revokes: the secret itself is known.
        const basic = parseBasicAuthorization(request.headers.authorization)
        if ((auth.status === 401 || auth.status === 403) && basic && secrets.has(basic.password)) {
          secrets.delete(basic.password)
          return send(response, 204)
        }
        return send(response, auth.status, auth.body)
      }
      secrets.delete(auth.secret)
      return send(response, 204)
    }

    if (method === 'GET' && (pathname === '/device' || pathname === '/auth/oauth/login')) {
      response
        .writeHead(200, {'content-type': 'text/plain'})
        .end('ATCR AppView emulator: approve codes through /_emulator/approve\n')
      return
    }
    send(response, 404, {error: 'not_found'})
  }

  function proxyToRegistry(request: http.IncomingMessage, response: http.ServerResponse, upstream: string) {
    const base = new URL(upstream)
    const outgoing = http.request(
      {
        host: base.hostname,
        port: base.port || 80,
        method: request.method,
        path: request.url,
        headers: request.headers, // the original Host stays, so Location headers point back here
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.rawHeaders)
        answer.pipe(response)
      },
    )
    outgoing.on('error', (error) => {
      if (!response.headersSent)
        send(response, 502, {errors: [{code: 'UNAVAILABLE', message: error.message}]})
      else response.destroy()
    })
    request.pipe(outgoing)
  }

  async function handleControl(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    pathname: string,
  ) {
    const body = await readBody(request)
    const text = (name: string) => String(body[name] ?? '')
    const account = () => ({handle: text('handle'), did: text('did')})
    const action = pathname.slice('/_emulator/'.length)
    switch (action) {
      case 'approve': {
        controls.approve(text('userCode'), account())
        break
      }
      case 'approve-next': {
        controls.approveNext(account())
        break
      }
      case 'deny': {
        controls.deny(text('userCode'))
        break
      }
      case 'expire-code': {
        controls.expireCode(text('userCode'))
        break
      }
      case 'revoke': {
        controls.revoke(text('deviceSecret'))
        break
      }
      case 'expire-session': {
        const how = body as SessionExpiry & {handle?: unknown}
        controls.expireSession(text('handle'), {
          ...(typeof how.error === 'string' ? {error: how.error} : {}),
          ...(typeof how.status === 'number' ? {status: how.status} : {}),
          ...(typeof how.message === 'string' ? {message: how.message} : {}),
          ...(typeof how.loginUrl === 'string' ? {loginUrl: how.loginUrl} : {}),
        })
        break
      }
      case 'hostile': {
        controls.setHostile(Object.keys(body).length === 0 ? undefined : (body as HostileAnswers))
        break
      }
      case 'restore-session': {
        controls.restoreSession(text('handle'))
        break
      }
      case 'add-account': {
        return send(response, 200, {deviceSecret: controls.addAccount(account())})
      }
      case 'fault': {
        controls.injectFault(body as unknown as Fault)
        break
      }
      case 'clear-faults': {
        controls.clearFaults()
        break
      }
      case 'registry-upstream': {
        controls.setRegistryUpstream(text('url'))
        break
      }
      case 'requests': {
        return send(response, 200, requests)
      }
      case 'pending-codes': {
        return send(response, 200, controls.pendingCodes())
      }
      case 'state': {
        return send(response, 200, {url, host, tokenIssuer, tokenCertificatePem: certPem, earlyPolls})
      }
      default: {
        return send(response, 404, {error: `unknown control ${action}`})
      }
    }
    send(response, 200, {ok: true})
  }

  const server = http.createServer((request, response) => {
    const target = new URL(request.url ?? '/', 'http://emulator.invalid')
    const pathname = target.pathname
    void (async () => {
      try {
        if (pathname.startsWith('/_emulator/')) return await handleControl(request, response, pathname)
        requests.push({method: request.method ?? 'GET', path: pathname})
        if (pathname === '/v2' || pathname.startsWith('/v2/')) {
          if (registryUpstream) return proxyToRegistry(request, response, registryUpstream)
          return send(response, 404, {
            errors: [{code: 'UNSUPPORTED', message: 'no registry behind this emulator'}],
          })
        }
        const fault = takeFault(pathname)
        if (fault?.kind === 'hang') return // never answered; close() ends the socket
        if (fault?.kind === '5xx') {
          await readBody(request)
          response.writeHead(503, {'content-type': 'text/html'}).end('<html>503 Service Unavailable</html>')
          return
        }
        if (fault?.kind === 'malformed') {
          await readBody(request)
          response.writeHead(200, {'content-type': 'application/json'}).end('{"device_code": "trunc')
          return
        }
        if (fault?.kind === 'huge') {
          // A body far larger than any client should read, streamed so the emulator itself stays small.
          request.resume()
          response.writeHead(request.url?.startsWith(PATHS.token) ? 401 : 200, {
            'content-type': 'application/json',
          })
          const chunk = Buffer.from(`{"error": "${'x'.repeat(64 * 1024 - 14)}`)
          let left = fault.bytes
          const pump = () => {
            while (left > 0 && !response.destroyed) {
              left -= chunk.length
              if (!response.write(chunk)) return void response.once('drain', pump)
            }
            response.end()
          }
          response.on('error', () => {})
          pump()
          return
        }
        if (fault?.kind === 'trickle') {
          // One byte at a time, forever (until the client gives up): a slow body, not a slow start.
          request.resume()
          response.writeHead(200, {'content-type': 'application/json'})
          response.write('{')
          const timer = setInterval(() => {
            if (response.destroyed) clearInterval(timer)
            else response.write(' ')
          }, fault.delayMs)
          response.on('close', () => clearInterval(timer))
          return
        }
        if (fault?.kind === 'slow_down') {
          await readBody(request)
          return send(response, 400, {error: DEVICE_TOKEN_ERRORS.slowDown})
        }
        if (fault?.kind === 'slow') await sleep(fault.delayMs)
        await handleContract(request, response, target)
      } catch (error) {
        if (!response.headersSent)
          send(response, 500, {error: 'emulator_error', error_description: String(error)})
      }
    })()
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const {port} = server.address() as AddressInfo
  host = `127.0.0.1:${port}`
  url = `http://${host}`

  return {
    url,
    host,
    tokenCertificatePem: certPem,
    tokenIssuer,
    ...controls,
    get earlyPolls() {
      return earlyPolls
    },
    requests,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}
