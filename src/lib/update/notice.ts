/**
 * The "new version available" notice people commands may show on stderr, at most once a day.
 *
 * Never on the protocol path (bin/run.js does not load oclif there, so no hook runs), never for
 * `--json`, never when `ATCR_NO_UPDATE_NOTIFIER` is set or `CI` is set (notice-suppression.ts). The command is never delayed:
 * the notice is decided from a small state file alone, and when that state is older than a day a
 * detached background process refreshes it from the release host for a later run.
 *
 * Why not @oclif/plugin-warn-if-update-available: it asks the npm registry for dist-tags, while a release
 * install follows its channel's manifest on the release host (the one `update` installs from, and the one
 * whose signature it verifies). The notice must name a version `update` would really install, so it reads
 * that same signed channel manifest (signature checked with the copy's release key); the plugin would also run on every command, the protocol verbs included.
 */
import {mkdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {writeFileAtomic} from '../config/atomic-write.ts'
import {fetchSignedJson} from './fetch-release.ts'
import {releaseHostRefusal} from './release-host.ts'
import {isNewer, isVersion} from './versions.ts'

export const DAY_MS = 24 * 60 * 60 * 1000

/** What the state file (`<cacheDir>/update-check.json`) remembers between runs. */
export interface NoticeState {
  /** When the release host was last asked (epoch ms), successfully or not. */
  checkedAt?: number
  channel?: string
  /** Newest version the channel manifest named at `checkedAt`. */
  latest?: string
  /** When a notice was last shown (epoch ms), and for which version. */
  notifiedAt?: number
}

export function noticeStateFile(cacheDir: string): string {
  return path.join(cacheDir, 'update-check.json')
}

export function readNoticeState(file: string): NoticeState {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {}
    const state = parsed as Record<string, unknown>
    const number = (value: unknown) =>
      typeof value === 'number' && Number.isFinite(value) ? value : undefined
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined)
    return {
      checkedAt: number(state.checkedAt),
      channel: text(state.channel),
      latest: text(state.latest),
      notifiedAt: number(state.notifiedAt),
    }
  } catch {
    return {}
  }
}

export function writeNoticeState(file: string, state: NoticeState): void {
  mkdirSync(path.dirname(file), {recursive: true})
  writeFileAtomic(file, `${JSON.stringify(state)}\n`, 0o644)
}

export interface NoticePlan {
  /** The one line to print on stderr, if any. */
  notice?: string
  /** Whether to refresh the state from the release host in the background. */
  refresh: boolean
  /** The state to write back when a notice is shown. */
  nextState?: NoticeState
}

export interface NoticeInput {
  state: NoticeState
  now: number
  currentVersion: string
  channel: string
  /** What the person runs to update, e.g. `docker-credential-atcr update` or an npm command. */
  updateCommand: string
  bin: string
}

export function planNotice({
  state,
  now,
  currentVersion,
  channel,
  updateCommand,
  bin,
}: NoticeInput): NoticePlan {
  const sameChannel = state.channel === channel
  const fresh =
    sameChannel && state.checkedAt !== undefined && now - state.checkedAt < DAY_MS && now >= state.checkedAt
  const refresh = !fresh
  const latest = sameChannel ? state.latest : undefined
  if (!latest || !isVersion(latest) || !isNewer(latest, currentVersion)) return {refresh}
  const notifiedRecently =
    state.notifiedAt !== undefined && now - state.notifiedAt < DAY_MS && now >= state.notifiedAt
  if (notifiedRecently) return {refresh}
  return {
    refresh,
    notice: `${bin} ${latest} is available (you have ${currentVersion}). Update with: ${updateCommand}`,
    nextState: {...state, notifiedAt: now},
  }
}

export interface ChannelCheck {
  timeoutMs: number
  /** The release key of this copy: the manifest counts only when its signature verifies with it. */
  publicKeyPem: string
}

/**
 * The newest version of a channel, from its signed manifest on the release host: the same document
 * `update` installs from, signature checked, no redirect followed, body capped, bounded in time.
 */
export async function fetchChannelVersion(
  manifestUrl: string,
  {timeoutMs, publicKeyPem}: ChannelCheck,
): Promise<string | undefined> {
  if (releaseHostRefusal(manifestUrl)) return undefined // https, or http on loopback only
  const {value} = await fetchSignedJson(manifestUrl, publicKeyPem, 'the channel manifest', {timeoutMs})
  const manifest = value as {version?: unknown; sha256gz?: unknown}
  if (typeof manifest.sha256gz !== 'string') return undefined // update would refuse it
  return typeof manifest.version === 'string' && isVersion(manifest.version) ? manifest.version : undefined
}

/** Refresh the state file from the release host; records the attempt even when it fails. */
export async function refreshNoticeState(
  file: string,
  manifestUrl: string,
  channel: string,
  options: ChannelCheck & {now: () => number},
): Promise<NoticeState> {
  let latest: string | undefined
  try {
    latest = await fetchChannelVersion(manifestUrl, options)
  } catch {
    latest = undefined
  }
  const previous = readNoticeState(file)
  const next: NoticeState = {
    ...previous,
    checkedAt: options.now(),
    channel,
    latest: latest ?? (previous.channel === channel ? previous.latest : undefined),
  }
  writeNoticeState(file, next)
  return next
}
