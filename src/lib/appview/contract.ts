/**
 * The whole AppView HTTP contract (spec/appview-api.md) in one place: paths, request fields, response
 * fields, error codes, and the parsing of every answer. The upstream paths could not be confirmed from
 * public sources, so a correction must be a change to this file only — the client, the lean `get` check
 * and the test emulator all read it from here.
 *
 * Pure functions, no network and no heavy imports: the `get` path uses this module too.
 */
import {readFileSync} from 'node:fs'

export const CLIENT_NAME = 'docker-credential-atcr'

export const PATHS = {
  /** §1 POST: start a device authorization. */
  deviceCode: '/auth/device/code',
  /** §2 POST: poll for the result. */
  deviceToken: '/auth/device/token',
  /** §3 GET `?service=<host>` with Basic auth: the Docker token endpoint, used to check a secret. */
  token: '/auth/token',
  /** §4 DELETE with Basic auth: revoke this device. */
  device: '/auth/device',
} as const

/** `error` codes of a 400 answer to §2. */
export const DEVICE_TOKEN_ERRORS = {
  pending: 'authorization_pending',
  slowDown: 'slow_down',
  expired: 'expired_token',
  denied: 'access_denied',
} as const

/** `error` codes of a 401/403 answer to §3. */
export const TOKEN_ERRORS = {
  invalidCredentials: 'invalid_credentials',
  sessionExpired: 'oauth_session_expired',
} as const

/** `slow_down` adds this much to the polling interval, from then on (RFC 8628 §3.5). */
export const SLOW_DOWN_INCREMENT_SECONDS = 5
/** Used when the AppView leaves `interval` out (RFC 8628 §3.2). */
export const DEFAULT_INTERVAL_SECONDS = 5

export class ContractError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ContractError'
  }
}

// ---------------------------------------------------------------------------------------------------
// Requests

let cachedVersion: string | undefined
/**
 * This package's version, read once from its package.json: three levels up from src/lib/appview or
 * dist/lib/appview, one level up from the bundled dist/protocol.js.
 */
export function clientVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion
  cachedVersion = '0.0.0'
  for (const candidate of ['../../../package.json', '../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as {
        name?: unknown
        version?: unknown
      }
      if (manifest.name === CLIENT_NAME && typeof manifest.version === 'string') {
        cachedVersion = manifest.version
        break
      }
    } catch {
      // Not here: try the next place.
    }
  }
  return cachedVersion
}

/** `docker-credential-atcr/<version> (<os>; <arch>)` */
export function userAgent(
  version = clientVersion(),
  platform: string = process.platform,
  arch: string = process.arch,
): string {
  return `${CLIENT_NAME}/${version} (${platform}; ${arch})`
}

/** `Basic base64(<handle>:<device_secret>)` */
export function basicAuthorization(handle: string, deviceSecret: string): string {
  return `Basic ${Buffer.from(`${handle}:${deviceSecret}`, 'utf8').toString('base64')}`
}

/** Parse a Basic Authorization header (for the emulator). */
export function parseBasicAuthorization(
  header: string | undefined,
): {user: string; password: string} | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '')
  if (!match) return undefined
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) return undefined
  return {user: decoded.slice(0, colon), password: decoded.slice(colon + 1)}
}

export function deviceCodeRequest(input: {clientVersion: string; deviceName: string}) {
  return {client_name: CLIENT_NAME, client_version: input.clientVersion, device_name: input.deviceName}
}

export function deviceTokenRequest(deviceCode: string) {
  return {device_code: deviceCode}
}

/** Full URL of §3 for a registry host. */
export function tokenCheckUrl(baseUrl: string, service: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${PATHS.token}?service=${encodeURIComponent(service)}`
}

export function endpoint(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`
}

// ---------------------------------------------------------------------------------------------------
// Responses

export type Fields = Record<string, unknown>

/** A response body as fields: JSON or x-www-form-urlencoded; anything else (or nothing) is undefined. */
export function parseBody(text: string, contentType: string | undefined): Fields | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  if (type === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(trimmed))
  }
  // JSON by declaration, or undeclared text that looks like JSON.
  if (type.endsWith('json') || trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed)
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Fields)
        : undefined
    } catch {
      return undefined
    }
  }
  return undefined
}

function stringField(fields: Fields, name: string): string | undefined {
  const value = fields[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

function numberField(fields: Fields, name: string): number | undefined {
  const value = typeof fields[name] === 'string' ? Number(fields[name]) : fields[name]
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined
}

/** §1 answer. */
export interface DeviceAuthorization {
  deviceCode: string
  userCode: string
  verificationUri: string
  verificationUriComplete?: string
  /** Seconds the code stays valid. */
  expiresIn: number
  /** Seconds between polls. */
  interval: number
}

export function parseDeviceAuthorization(status: number, fields: Fields | undefined): DeviceAuthorization {
  if (status !== 200) throw new ContractError(`the AppView answered ${status} to ${PATHS.deviceCode}`)
  if (!fields) throw new ContractError(`the AppView's answer to ${PATHS.deviceCode} is not JSON`)
  const deviceCode = stringField(fields, 'device_code')
  const userCode = stringField(fields, 'user_code')
  const verificationUri = stringField(fields, 'verification_uri')
  const expiresIn = numberField(fields, 'expires_in')
  const missing = [
    deviceCode ? '' : 'device_code',
    userCode ? '' : 'user_code',
    verificationUri ? '' : 'verification_uri',
    expiresIn ? '' : 'expires_in',
  ].filter(Boolean)
  if (missing.length > 0)
    throw new ContractError(`the AppView's answer to ${PATHS.deviceCode} lacks ${missing.join(', ')}`)
  return {
    deviceCode: deviceCode!,
    userCode: userCode!,
    verificationUri: verificationUri!,
    verificationUriComplete: stringField(fields, 'verification_uri_complete'),
    expiresIn: expiresIn!,
    interval: numberField(fields, 'interval') ?? DEFAULT_INTERVAL_SECONDS,
  }
}

/** §2 answer, as the polling loop needs it. */
export type DeviceTokenOutcome =
  | {kind: 'approved'; deviceSecret: string; handle: string; did: string}
  | {kind: 'pending'}
  | {kind: 'slow_down'}
  | {kind: 'expired'}
  | {kind: 'denied'}
  /** 5xx, a network error, a malformed body, an unknown error code: the state is unknown. */
  | {kind: 'unavailable'; reason: string}

export function parseDeviceTokenResponse(status: number, fields: Fields | undefined): DeviceTokenOutcome {
  if (status === 200) {
    const deviceSecret = fields && stringField(fields, 'device_secret')
    const handle = fields && stringField(fields, 'handle')
    if (!deviceSecret || !handle)
      return {
        kind: 'unavailable',
        reason: `malformed answer from ${PATHS.deviceToken} (no device_secret or handle)`,
      }
    return {kind: 'approved', deviceSecret, handle, did: stringField(fields!, 'did') ?? ''}
  }
  if (status === 400 || status === 401 || status === 403) {
    const error = fields && stringField(fields, 'error')
    switch (error) {
      case DEVICE_TOKEN_ERRORS.pending: {
        return {kind: 'pending'}
      }
      case DEVICE_TOKEN_ERRORS.slowDown: {
        return {kind: 'slow_down'}
      }
      case DEVICE_TOKEN_ERRORS.expired: {
        return {kind: 'expired'}
      }
      case DEVICE_TOKEN_ERRORS.denied: {
        return {kind: 'denied'}
      }
    }
    return {
      kind: 'unavailable',
      reason: `unexpected ${status} answer from ${PATHS.deviceToken}${error ? ` (${error})` : ''}`,
    }
  }
  return {kind: 'unavailable', reason: `the AppView answered ${status} to ${PATHS.deviceToken}`}
}

/** §3 answer. */
export type SecretCheck =
  | {state: 'valid'; did: string}
  | {state: 'invalid'}
  | {state: 'session_expired'; loginUrl: string}
  | {state: 'unreachable'; reason: string}

export function parseTokenCheck(status: number, fields: Fields | undefined): SecretCheck {
  const error = fields && stringField(fields, 'error')
  if ((status === 401 || status === 403) && error === TOKEN_ERRORS.sessionExpired) {
    return {state: 'session_expired', loginUrl: (fields && stringField(fields, 'login_url')) ?? ''}
  }
  if (status === 401) return {state: 'invalid'}
  if (status === 200) {
    const token = fields && (stringField(fields, 'token') ?? stringField(fields, 'access_token'))
    if (!token) return {state: 'unreachable', reason: `malformed answer from ${PATHS.token} (no token)`}
    return {state: 'valid', did: subjectOfJwt(token) ?? ''}
  }
  return {state: 'unreachable', reason: `the AppView answered ${status} to ${PATHS.token}`}
}

/** The `sub` claim of a JWT, without verifying it (the AppView's TLS vouches for it); undefined if unreadable. */
export function subjectOfJwt(token: string): string | undefined {
  const payload = token.split('.')[1]
  if (!payload) return undefined
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    const sub = (claims as {sub?: unknown})?.sub
    return typeof sub === 'string' && sub !== '' ? sub : undefined
  } catch {
    return undefined
  }
}

/** §4: 204 done; anything else is ignored by the caller (best effort). */
export function isRevoked(status: number): boolean {
  return status === 204 || status === 200
}
