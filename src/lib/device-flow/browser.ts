/**
 * Opening the verification page in a browser — only where a person can see one. Never in CI, never on a
 * Linux without a display (SSH sessions, containers), and never from a protocol command. Failures are
 * silent: the URL is always printed as well.
 */
import {spawn} from 'node:child_process'

export type BrowserOpener = (url: string) => void

/** How to open a URL on this machine, or undefined when no browser should be opened. */
export function browserOpener(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): BrowserOpener | undefined {
  if (env.CI) return undefined
  let command: string
  let args: (url: string) => string[]
  if (platform === 'darwin') {
    command = 'open'
    args = (url) => [url]
  } else if (platform === 'win32') {
    command = 'cmd'
    args = (url) => ['/c', 'start', '""', url.replaceAll('&', '^&')]
  } else {
    if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined
    command = 'xdg-open'
    args = (url) => [url]
  }
  return (url) => {
    try {
      const child = spawn(command, args(url), {detached: true, stdio: 'ignore'})
      child.on('error', () => {})
      child.unref()
    } catch {
      // No opener installed: the person still has the printed URL.
    }
  }
}
