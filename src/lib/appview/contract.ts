/**
 * The whole AppView HTTP contract (spec/appview-api.md) in one place: paths, request fields, response
 * fields, error codes, and the parsing of every answer. The upstream paths could not be confirmed from
 * public sources, so a correction must be a change to this file only — the client, the lean `get` check
 * and the test emulator all read it from here.
 *
 * Pure functions, no network and no heavy imports: the `get` path uses this module too.
 *
 * Trust boundary (issue 11): every string field of an answer is read through `text()` or `link()` below
 * — stripped of escape sequences and control characters, one line, capped (src/lib/text/server-text.ts),
 * and URLs held to the link rule (link-rule.ts) — so no caller ever sees raw server text. Bodies are
 * read up to MAX_ANSWER_BYTES by every caller.
 */
import {readFileSync} from 'node:fs'

import {BIN} from '../product.ts'
import {serverText} from '../text/server-text.ts'
import {checkAppViewLink, plainHttpAllowedFor} from './link-rule.ts'

export const CLIENT_NAME = BIN

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

/**
 * `error` codes of a 401/403 answer to §3: ours (the emulator's). The upstream AppView's codes are not
 * public, so parseTokenCheck decides by shape (a non-empty `login_url` means "session expired"), not by
 * these strings.
 */
export const TOKEN_ERRORS = {
  invalidCredentials: 'invalid_credentials',
  sessionExpired: 'oauth_session_expired',
} as const

/** `slow_down` adds this much to the polling interval, from then on (RFC 8628 §3.5). */
export const SLOW_DOWN_INCREMENT_SECONDS = 5
/** Used when the AppView leaves `interval` out (RFC 8628 §3.2). */
export const DEFAULT_INTERVAL_SECONDS = 5

/** The most of an answer's body any caller reads (people commands and `get` alike). */
export const MAX_ANSWER_BYTES = 256 * 1024

/** Caps for the short fields of an answer. */
const MAX_CODE = 64
const MAX_IDENTITY = 253 + 20

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
 * dist/lib/appview, one level up from the bundled dist/entry.js.
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

/** A field exactly as sent: only for values that never reach a screen (device codes, secrets, tokens). */
function rawField(fields: Fields, name: string): string | undefined {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** A field made safe to show (server-text rule); undefined when absent or empty once cleaned. */
function text(fields: Fields | undefined, name: string, maxLength: number): string | undefined {
  const value = fields && rawField(fields, name)
  if (value === undefined) return undefined
  const clean = serverText(value, maxLength)
  return clean === '' ? undefined : clean
}

/** The AppView's words for people: `message` (the real AppView's field), else `error_description`. */
function peopleMessage(fields: Fields | undefined): string | undefined {
  return text(fields, 'message', 300) ?? text(fields, 'error_description', 300)
}

/** A URL field held to the link rule: {url} when acceptable, {refused} with a one-line reason when not. */
function link(
  fields: Fields | undefined,
  name: string,
  appViewUrl: string | undefined,
): {url?: string; refused?: string} {
  const value = fields && rawField(fields, name)
  if (value === undefined) return {}
  const check = checkAppViewLink(value, {
    plainHttp: appViewUrl !== undefined && plainHttpAllowedFor(appViewUrl),
  })
  return check.ok ? {url: check.url} : {refused: `${name}: ${check.reason}`}
}

/** The AppView's own address, shown instead of a refused link. */
function appViewPage(appViewUrl: string | undefined): string | undefined {
  if (appViewUrl === undefined) return undefined
  const check = checkAppViewLink(appViewUrl, {plainHttp: plainHttpAllowedFor(appViewUrl)})
  return check.ok ? check.url : undefined
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
  /**
   * Set when the AppView sent a link the link rule refuses: the one-line reason. `verificationUri` is
   * then the AppView's own address, where the person goes themselves.
   */
  refusedLink?: string
  /** Seconds the code stays valid. */
  expiresIn: number
  /** Seconds between polls. */
  interval: number
}

/**
 * `appViewUrl` is the base URL the request went to: it decides whether `http:` links are acceptable and
 * is what the person is sent to when a link is refused. Without it only `https:` links pass.
 */
export function parseDeviceAuthorization(
  status: number,
  fields: Fields | undefined,
  appViewUrl?: string,
): DeviceAuthorization {
  if (status !== 200) throw new ContractError(`the AppView answered ${status} to ${PATHS.deviceCode}`)
  if (!fields) throw new ContractError(`the AppView's answer to ${PATHS.deviceCode} is not JSON`)
  const deviceCode = rawField(fields, 'device_code')
  const userCode = text(fields, 'user_code', MAX_CODE)
  const uri = link(fields, 'verification_uri', appViewUrl)
  const complete = link(fields, 'verification_uri_complete', appViewUrl)
  const refusedLink = uri.refused ?? complete.refused
  // A refused verification_uri: send the person to the AppView's own address instead.
  const verificationUri = uri.url ?? (uri.refused ? appViewPage(appViewUrl) : undefined)
  const expiresIn = numberField(fields, 'expires_in')
  const missing = [
    deviceCode ? '' : 'device_code',
    userCode ? '' : 'user_code',
    verificationUri ? '' : 'verification_uri',
    expiresIn ? '' : 'expires_in',
  ].filter(Boolean)
  if (missing.length > 0)
    throw new ContractError(
      `the AppView's answer to ${PATHS.deviceCode} lacks ${missing.join(', ')}${refusedLink ? ` (${refusedLink})` : ''}`,
    )
  return {
    deviceCode: deviceCode!,
    userCode: userCode!,
    verificationUri: verificationUri!,
    // Only a complete link that goes with an accepted verification_uri.
    verificationUriComplete: uri.url ? complete.url : undefined,
    ...(refusedLink ? {refusedLink} : {}),
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
    const deviceSecret = fields && rawField(fields, 'device_secret')
    // Cleaned for display only: whether it is a valid handle/DID is the caller's rule (as for `store`).
    const handle = text(fields, 'handle', MAX_IDENTITY)
    if (!deviceSecret || !handle)
      return {
        kind: 'unavailable',
        reason: `malformed answer from ${PATHS.deviceToken} (no device_secret or handle)`,
      }
    return {kind: 'approved', deviceSecret, handle, did: text(fields, 'did', MAX_IDENTITY) ?? ''}
  }
  if (status === 400 || status === 401 || status === 403) {
    const error = fields && rawField(fields, 'error')
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
      reason: `unexpected ${status} answer from ${PATHS.deviceToken}${error ? ` (${serverText(error, MAX_CODE)})` : ''}`,
    }
  }
  return {kind: 'unavailable', reason: `the AppView answered ${status} to ${PATHS.deviceToken}`}
}

/**
 * §3 answer. `message` is the AppView's own words for people (`message`, else `error_description`),
 * already one clean line; `loginUrl` is empty when there was none or the link rule refused it
 * (`refusedLink` then says why).
 */
export type SecretCheck =
  | {state: 'valid'; did: string}
  | {state: 'invalid'; message?: string}
  | {state: 'session_expired'; loginUrl: string; message?: string; refusedLink?: string}
  | {state: 'unreachable'; reason: string}

/**
 * Decided by shape, as the real AppView's codes are not public: a 401/403 carrying a non-empty
 * `login_url` is an expired session whatever its `error`; a 401 without one is an unknown or revoked
 * secret. `appViewUrl` as for parseDeviceAuthorization.
 */
export function parseTokenCheck(
  status: number,
  fields: Fields | undefined,
  appViewUrl?: string,
): SecretCheck {
  const error = fields && rawField(fields, 'error')
  const message = peopleMessage(fields)
  const withMessage = message ? {message} : {}
  const loginUrl = link(fields, 'login_url', appViewUrl)
  const hasLoginUrl = loginUrl.url !== undefined || loginUrl.refused !== undefined
  if ((status === 401 || status === 403) && (hasLoginUrl || error === TOKEN_ERRORS.sessionExpired)) {
    return {
      state: 'session_expired',
      loginUrl: loginUrl.url ?? '',
      ...withMessage,
      ...(loginUrl.refused ? {refusedLink: loginUrl.refused} : {}),
    }
  }
  if (status === 401) return {state: 'invalid', ...withMessage}
  if (status === 200) {
    const token = fields && (rawField(fields, 'token') ?? rawField(fields, 'access_token'))
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
    if (typeof sub !== 'string') return undefined
    const clean = serverText(sub, MAX_IDENTITY)
    return clean !== '' ? clean : undefined
  } catch {
    return undefined
  }
}

/** §4: 204 done; anything else is ignored by the caller (best effort). */
export function isRevoked(status: number): boolean {
  return status === 204 || status === 200
}
