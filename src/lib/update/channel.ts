/**
 * The channel this install follows: the one `update <channel>` last switched to (oclif's update plugin
 * keeps it in `<dataDir>/channel`), otherwise the channel of the running version.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {channelOfVersion} from './install-kind.ts'

export function currentChannel(dataDir: string, version: string): string {
  try {
    const saved = readFileSync(path.join(dataDir, 'channel'), 'utf8').trim()
    if (/^[a-z][a-z0-9-]*$/.test(saved)) return saved
  } catch {
    // No channel chosen yet.
  }
  return channelOfVersion(version)
}
