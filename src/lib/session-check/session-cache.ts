/**
 * A small cache of good answers to the secret check, so most `get` calls make no network request.
 *
 * `$ATCR_CONFIG_DIR/session-cache.json` (mode 0600, atomic writes) maps a SHA-256 of
 * registry host + handle + device secret — never the secret itself — to the time it was last found valid.
 * Only "valid" is cached: a revoked or expired secret is asked about again every time. A missing,
 * unreadable or corrupt cache is simply a miss.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {writeFileAtomic} from '../config/atomic-write.ts'
import {sha256Hex} from './sha256.ts'

export const SESSION_CACHE_FILE = 'session-cache.json'
/** How long a good answer is trusted. */
export const SESSION_CACHE_TTL_MS = 5 * 60 * 1000

interface CacheDocument {
  version: 1
  /** key → epoch milliseconds of the last good check */
  valid: Record<string, number>
}

export function sessionCachePath(configDirectory: string): string {
  return path.join(configDirectory, SESSION_CACHE_FILE)
}

export function sessionCacheKey(host: string, handle: string, deviceSecret: string): string {
  return sha256Hex(`${host}\0${handle.toLowerCase()}\0${deviceSecret}`)
}

function readCache(file: string): CacheDocument {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheDocument>
    if (parsed?.version === 1 && typeof parsed.valid === 'object' && parsed.valid !== null)
      return {version: 1, valid: parsed.valid}
  } catch {
    // Missing or corrupt: a miss.
  }
  return {version: 1, valid: {}}
}

const isFresh = (checkedAt: unknown, now: number, ttlMs: number) =>
  typeof checkedAt === 'number' && checkedAt <= now && now - checkedAt < ttlMs

export function isKnownValid(file: string, key: string, now: number, ttlMs = SESSION_CACHE_TTL_MS): boolean {
  return isFresh(readCache(file).valid[key], now, ttlMs)
}

/** Record a good answer; stale entries are dropped on the way. Never throws. */
export function rememberValid(file: string, key: string, now: number, ttlMs = SESSION_CACHE_TTL_MS): void {
  try {
    const cache = readCache(file)
    const valid: Record<string, number> = {}
    for (const [entry, checkedAt] of Object.entries(cache.valid))
      if (isFresh(checkedAt, now, ttlMs)) valid[entry] = checkedAt
    valid[key] = now
    writeFileAtomic(file, `${JSON.stringify({version: 1, valid})}\n`, 0o600)
  } catch {
    // A cache that cannot be written costs a network check next time, nothing more.
  }
}

/** Forget a key (after the AppView said the secret is no longer good). Never throws. */
export function forget(file: string, key: string): void {
  try {
    const cache = readCache(file)
    if (!(key in cache.valid)) return
    delete cache.valid[key]
    writeFileAtomic(file, `${JSON.stringify(cache)}\n`, 0o600)
  } catch {
    // Nothing to do.
  }
}
