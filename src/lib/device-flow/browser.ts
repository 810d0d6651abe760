/**
 * Opening the verification page in a browser — only where a person can see one. Never in CI, never on a
 * Linux without a display (SSH sessions, containers), and never from a protocol command. Failures are
 * silent: the URL is always printed as well.
 *
 * Trust boundary (issue 11): the URL came from an AppView. contract.ts already held it to the link rule
 * (link-rule.ts); the opener checks it again (https or http, no user info, no controls) and refuses
 * anything else with one line on stderr. No shell ever sees it: `$BROWSER` is run as a program with the
 * URL as one argument, and otherwise the maintained `open` package (loaded only here, never on `get`)
 * handles macOS, Windows (PowerShell with an encoded command, no `cmd /c start`) and WSL.
 */
import {spawn} from 'node:child_process'

import {checkAppViewLink} from '../appview/link-rule.ts'
import {envFlag} from '../env-flag.ts'

export type BrowserOpener = (url: string) => void

export interface BrowserOpenerOptions {
  /** Where a refusal is said (default: one line on stderr). */
  warn?: (line: string) => void
  /** Opens a vetted URL when `$BROWSER` is unset (default: the `open` package). */
  openUrl?: (url: string) => Promise<void>
  /** Starts a `$BROWSER` program (default: child_process.spawn, detached, no shell). */
  run?: (command: string, args: string[]) => Promise<void>
}

function isWsl(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.WSL_DISTRO_NAME || env.WSL_INTEROP)
}

/** `$BROWSER` as programs to try in order: `:`-separated (`;` on Windows); `%s` marks where the URL goes. */
export function browserCommands(
  value: string | undefined,
  platform: NodeJS.Platform,
  url: string,
): {command: string; args: string[]}[] {
  if (!value?.trim()) return []
  return value
    .split(platform === 'win32' ? ';' : ':')
    .map((entry) => entry.trim().split(/\s+/).filter(Boolean))
    .filter((words) => words.length > 0)
    .map(([command, ...rest]) => {
      const args = rest.map((word) => (word === '%s' ? url : word))
      return {command: command!, args: rest.includes('%s') ? args : [...args, url]}
    })
}

function spawnDetached(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      const child = spawn(command, args, {detached: true, stdio: 'ignore', shell: false})
      child.once('error', reject)
      child.once('spawn', () => {
        child.unref()
        resolve()
      })
    } catch (error) {
      reject(error as Error)
    }
  })
}

async function openWithPackage(url: string): Promise<void> {
  const {default: open} = await import('open')
  const child = await open(url, {wait: false})
  child.on('error', () => {})
  child.unref()
}

/** How to open a URL on this machine, or undefined when no browser should be opened. */
export function browserOpener(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  options: BrowserOpenerOptions = {},
): BrowserOpener | undefined {
  if (envFlag(env, 'CI')) return undefined
  const commands = (url: string) => browserCommands(env.BROWSER, platform, url)
  const hasBrowserVariable = commands('x').length > 0
  if (
    platform !== 'darwin' &&
    platform !== 'win32' &&
    !hasBrowserVariable &&
    !isWsl(env) &&
    !env.DISPLAY &&
    !env.WAYLAND_DISPLAY
  )
    return undefined
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`))
  const run = options.run ?? spawnDetached
  const openUrl = options.openUrl ?? openWithPackage

  return (raw) => {
    const check = checkAppViewLink(raw, {plainHttp: true})
    if (!check.ok) {
      warn(`Not opening a browser: ${check.reason}. Open the registry's web page yourself.`)
      return
    }
    const url = check.url
    void (async () => {
      for (const {command, args} of commands(url)) {
        try {
          await run(command, args)
          return
        } catch {
          // Not installed: the next one, or the printed URL.
        }
      }
      if (hasBrowserVariable) return
      await openUrl(url)
    })().catch(() => {
      // No opener: the person still has the printed URL.
    })
  }
}
