/**
 * Entry point of the detached process the update notice starts to refresh its state:
 *   node refresh-in-background.js <state-file> <manifest-url> <channel>
 * It never prints anything and gives up after a few seconds.
 */
import {refreshNoticeState} from './notice.ts'

const [file, manifestUrl, channel] = process.argv.slice(2)
if (file && manifestUrl && channel) {
  await refreshNoticeState(file, manifestUrl, channel, {now: Date.now, timeoutMs: 5000}).catch(() => {})
}
