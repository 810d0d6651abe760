/**
 * Entry point of the detached process the update notice starts to refresh its state:
 *   node refresh-in-background.js <state-file> <manifest-url> <channel> <release-key-file>
 * It never prints anything and gives up after a few seconds.
 */
import {readFileSync} from 'node:fs'

import {refreshNoticeState} from './notice.ts'

const [file, manifestUrl, channel, keyFile] = process.argv.slice(2)
if (file && manifestUrl && channel && keyFile) {
  const publicKeyPem = readFileSync(keyFile, 'utf8')
  await refreshNoticeState(file, manifestUrl, channel, {now: Date.now, timeoutMs: 5000, publicKeyPem}).catch(
    () => {},
  )
}
