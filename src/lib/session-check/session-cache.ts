/**
 * A small cache of answers to the secret check, so most `get` calls make no network request.
 *
 * `$ATCR_CONFIG_DIR/session-cache.json` (mode 0600, atomic writes) maps a SHA-256 of
 * registry host + handle + device secret — never the secret itself — to when it was last checked:
 * - `valid`: the AppView accepted it; trusted for 5 minutes;
 * - `unreachable`: the AppView did not answer in time; not asked again for 1 minute, so a hanging
 *   AppView costs one wait, not one per `get` (Docker runs several per push);
 * - `refused`: the AppView refused the secret (revoked, or the session expired). Never trusted: a `get`
 *   asks again every time. It is kept a few seconds only for the gets of a cold burst that waited for
 *   that check, so that each asks (and reports the refusal) at once instead of queueing for a new claim.
 * A missing, unreadable or corrupt cache is simply a miss, and so is anything that is not a regular file
 * (a FIFO or a symlink to /dev/zero in its place must not block `get`).
 */
import {unlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {writeFileAtomic} from '../config/atomic-write.ts'
import {processIsAlive, withFileLock} from '../config/file-lock.ts'
import {readRegularFile} from '../config/read-regular-file.ts'
import {sha256Hex} from './sha256.ts'

export const SESSION_CACHE_FILE = 'session-cache.json'

/** A verdict that lets `get` answer without asking. */
export type CachedVerdict = 'valid' | 'unreachable'

/** What the cache records: a refusal too, never trusted (see above). */
export type RecordedVerdict = CachedVerdict | 'refused'

const RECORDED: readonly RecordedVerdict[] = ['valid', 'unreachable', 'refused']

/** How long each kind of answer is kept (a refusal only for the gets that waited for its check). */
export const SESSION_CACHE_TTL_MS: Record<RecordedVerdict, number> = {
  valid: 5 * 60 * 1000,
  unreachable: 60 * 1000,
  refused: 10 * 1000,
}

/** Far more than the cache of any real set of accounts; a larger file is not read (a miss). */
const MAX_CACHE_BYTES = 1024 * 1024

type CacheDocument = {version: 1} & Record<RecordedVerdict, Record<string, number>>

export function sessionCachePath(configDirectory: string): string {
  return path.join(configDirectory, SESSION_CACHE_FILE)
}

export function sessionCacheKey(host: string, handle: string, deviceSecret: string): string {
  return sha256Hex(`${host}\0${handle.toLowerCase()}\0${deviceSecret}`)
}

const isRecord = (value: unknown): value is Record<string, number> =>
  typeof value === 'object' && value !== null

function readCache(file: string): CacheDocument {
  const cache: CacheDocument = {version: 1, valid: {}, unreachable: {}, refused: {}}
  try {
    const bytes = readRegularFile(file, {maxBytes: MAX_CACHE_BYTES})
    if (bytes === undefined) return cache
    const parsed = JSON.parse(bytes.toString('utf8')) as Partial<CacheDocument>
    if (parsed?.version === 1) {
      for (const kind of RECORDED) {
        const entries = parsed[kind]
        if (isRecord(entries)) cache[kind] = entries
      }
    }
  } catch {
    // Missing or corrupt: a miss.
  }
  return cache
}

const isFresh = (checkedAt: unknown, now: number, ttlMs: number) =>
  typeof checkedAt === 'number' && checkedAt <= now && now - checkedAt < ttlMs

/**
 * Whether a writer keeps another key's entry. Not isFresh: `now` is when this writer's own check
 * answered, and another get may have recorded its verdict after that, while this one waited for the
 * lock. Taking that newer entry for a stale one dropped it, and the gets waiting for it all asked the
 * AppView themselves (10 requests for 10 gets of one account, issue 9).
 */
const isKept = (checkedAt: unknown, now: number, ttlMs: number) =>
  typeof checkedAt === 'number' && Math.abs(now - checkedAt) < ttlMs

/** The verdict cached for a key, if still fresh at `now`. */
export function cachedVerdict(file: string, key: string, now: number): CachedVerdict | undefined {
  const cache = readCache(file)
  if (isFresh(cache.valid[key], now, SESSION_CACHE_TTL_MS.valid)) return 'valid'
  if (isFresh(cache.unreachable[key], now, SESSION_CACHE_TTL_MS.unreachable)) return 'unreachable'
  return undefined
}

/** Whether the AppView refused the secret of a key a moment ago (for the gets that waited for that check). */
export function refusedRecently(file: string, key: string, now: number): boolean {
  return isFresh(readCache(file).refused[key], now, SESSION_CACHE_TTL_MS.refused)
}

function rewrite(file: string, change: (cache: CacheDocument) => void): void {
  const write = () => {
    const cache = readCache(file)
    change(cache)
    // No fsync: a cache lost in a crash costs one check, and `get` must not wait for the disk.
    writeFileAtomic(file, `${JSON.stringify(cache)}\n`, 0o600, {durable: false})
  }
  try {
    // Serialised briefly, so that the verdicts of several accounts checked at the same instant (a cold
    // burst) do not rename over each other; a lock that cannot be had in a moment is done without.
    withFileLock(`${file}.lock`, write, {timeoutMs: 250, staleMs: 2000})
  } catch {
    try {
      write()
    } catch {
      // A cache that cannot be written costs a network check next time, nothing more.
    }
  }
}

/**
 * Record a verdict for a key (replacing any other); stale entries are dropped on the way. Never throws.
 * A writer that could not have the lock in time writes without it and may rename its copy over ours:
 * the verdict is read back and written again if it was lost, so processes waiting for it see it.
 */
export function remember(file: string, key: string, verdict: RecordedVerdict, now: number): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    rememberOnce(file, key, verdict, now)
    if (readCache(file)[verdict][key] === now) return
  }
}

function rememberOnce(file: string, key: string, verdict: RecordedVerdict, now: number): void {
  rewrite(file, (cache) => {
    for (const kind of RECORDED) {
      const kept: Record<string, number> = {}
      for (const [entry, checkedAt] of Object.entries(cache[kind]))
        if (entry !== key && isKept(checkedAt, now, SESSION_CACHE_TTL_MS[kind])) kept[entry] = checkedAt
      cache[kind] = kept
    }
    cache[verdict][key] = now
  })
}

/**
 * A "check in flight" marker beside the cache, one per key: the first `get` of a cold burst creates it
 * (exclusively) and asks the AppView; the others see it and wait for the verdict to land in the cache
 * instead of asking too. It holds `<pid> <started at>`; the checker removes it when done. A marker whose
 * process is gone, or older than any check may take, is dead: it is removed and blocks nobody.
 */
export type CheckClaim =
  | {mine: true; release: () => void}
  /** Someone else is checking: wait, and look in the cache again. */
  | {mine: false}

function markerPath(file: string, key: string): string {
  return `${file}.${key.slice(0, 16)}.check`
}

interface MarkerState {
  content: string
  pid: number
  startedAt: number
}

function readMarker(marker: string): MarkerState | undefined {
  try {
    const content = readRegularFile(marker, {maxBytes: 256})?.toString('utf8')
    if (content === undefined) return undefined
    const [pid, startedAt] = content.trim().split(' ').map(Number)
    return {content, pid: pid ?? Number.NaN, startedAt: startedAt ?? Number.NaN}
  } catch {
    return undefined
  }
}

/** Whether the marker's check can still answer: its process lives and it is younger than `maxAgeMs`. */
function markerIsLive(state: MarkerState, now: number, maxAgeMs: number): boolean {
  // Just created and not yet written: give it the benefit of the doubt (its age bounds it anyway).
  if (state.content === '') return true
  if (!Number.isInteger(state.pid) || !Number.isFinite(state.startedAt)) return false
  return now - state.startedAt < maxAgeMs && processIsAlive(state.pid)
}

/**
 * Try to become the one process that checks `key` now. `maxAgeMs` is the longest a check may take (its
 * budget): a marker older than that, or whose process is gone, is removed and claimed again. Any other
 * failure to create the marker (a read-only directory) is a claim without a marker: check anyway.
 */
export function claimCheck(file: string, key: string, now: number, maxAgeMs: number): CheckClaim {
  const marker = markerPath(file, key)
  const content = `${process.pid} ${now}\n`
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(marker, content, {flag: 'wx', mode: 0o600})
      return {
        mine: true,
        release: () => {
          if (readMarker(marker)?.content === content) removeQuietly(marker)
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return {mine: true, release: () => {}}
    }
    const state = readMarker(marker)
    if (state === undefined) continue // removed meanwhile: try again
    if (markerIsLive(state, now, maxAgeMs)) return {mine: false}
    if (readMarker(marker)?.content === state.content) removeQuietly(marker)
  }
  return {mine: false}
}

/** Whether a check for `key` is (still) in flight in a live process. */
export function checkInFlight(file: string, key: string, now: number, maxAgeMs: number): boolean {
  const state = readMarker(markerPath(file, key))
  return state !== undefined && markerIsLive(state, now, maxAgeMs)
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file)
  } catch {
    // already gone
  }
}
