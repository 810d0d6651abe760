/**
 * Drive a command in a real terminal: a private tmux server per session (`tmux -L <unique socket>`), so
 * prompts see a TTY on stdin and stdout, keys arrive as a person would type them, and the screen can be
 * read back. `remain-on-exit` keeps the pane (and the screen) after the command ends. The exit status
 * comes from a small Node wrapper that writes it to a file: tmux 3.3's `#{pane_dead_status}` is sometimes
 * never filled in when a command exits quickly, which made waits hang.
 *
 *   const term = await startInTerminal({command: process.execPath, args: ['bin/run.js', 'switch'], env})
 *   await term.waitForText('Which account')
 *   term.sendKeys('Down', 'Enter')
 *   assert.equal(await term.waitForExit(), 0)
 *   term.close()
 */
import {spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'

export interface TerminalOptions {
  command: string
  args?: readonly string[]
  /** The whole environment of the command (nothing is inherited beyond what is given). */
  env?: NodeJS.ProcessEnv
  cwd?: string
  cols?: number
  rows?: number
}

export interface TerminalSession {
  /** tmux key names: `Down`, `Up`, `Enter`, `Escape`, `C-c`. */
  sendKeys(...keys: string[]): void
  /** Text typed as is, character by character. */
  typeText(text: string): void
  /** Resolves with the pane's text (scrollback included) once it holds `text`; rejects with it after `timeoutMs`. */
  waitForText(text: string | RegExp, timeoutMs?: number): Promise<string>
  /** The visible screen as text. */
  screen(): string
  /** Everything the pane shows and has scrolled off, oldest first. */
  text(): string
  /** Resolves with the command's exit status; rejects with the screen after `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<number>
  /** Kill the tmux server and remove its files. Safe to call more than once. */
  close(): void
}

/** Whether tmux can be run here (tests skip with a reason when it cannot). */
export function hasTmux(): boolean {
  const result = spawnSync('tmux', ['-V'], {encoding: 'utf8'})
  return result.status === 0
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`
}

const POLL_MS = 50

/**
 * Runs argv[2..] with the terminal as its stdio and writes its exit status (128 + signal number when
 * killed) to argv[1]. It ignores SIGINT itself so that Ctrl-C reaches only the command, as in a shell.
 */
const STATUS_WRAPPER = `
const {spawn} = require('node:child_process')
const {writeFileSync} = require('node:fs')
const {constants} = require('node:os')
const [statusFile, command, ...args] = process.argv.slice(1)
process.on('SIGINT', () => {})
const child = spawn(command, args, {stdio: 'inherit'})
child.on('error', (error) => { console.error(String(error)); writeFileSync(statusFile, '127'); process.exit(127) })
child.on('exit', (code, signal) => {
  const status = code ?? 128 + (constants.signals[signal] ?? 0)
  writeFileSync(statusFile, String(status))
  process.exit(status)
})
`

export async function startInTerminal(options: TerminalOptions): Promise<TerminalSession> {
  const socket = `atcr-test-${process.pid}-${randomBytes(4).toString('hex')}`
  const directory = mkdtempSync(path.join(tmpdir(), 'atcr-tmux-'))
  const configFile = path.join(directory, 'tmux.conf')
  // remain-on-exit must be set before the command starts, or a fast command takes the pane with it.
  writeFileSync(configFile, 'set -g remain-on-exit on\nset -g status off\nset -g history-limit 5000\n')
  const env = {...(options.env ?? process.env)}
  delete env.TMUX
  // A tmux server started under a shorter TERM refuses to start; the pane gets its own TERM anyway.
  env.TERM ??= 'xterm-256color'

  let closed = false
  const tmux = (...args: string[]) => {
    const result = spawnSync('tmux', ['-L', socket, '-f', configFile, ...args], {encoding: 'utf8', env})
    if (result.status !== 0) {
      throw new Error(`tmux ${args[0]} failed (${result.status}): ${result.stderr || result.error?.message}`)
    }
    return result.stdout
  }
  const close = () => {
    if (closed) return
    closed = true
    let socketPath: string | undefined
    try {
      socketPath = tmux('display-message', '-p', '#{socket_path}').trim()
    } catch {
      // The server is already gone.
    }
    spawnSync('tmux', ['-L', socket, 'kill-server'], {env})
    if (socketPath) rmSync(socketPath, {force: true})
    rmSync(directory, {recursive: true, force: true})
  }

  const statusFile = path.join(directory, 'exit-status')
  const commandLine = [
    process.execPath,
    '-e',
    STATUS_WRAPPER,
    statusFile,
    options.command,
    ...(options.args ?? []),
  ]
    .map(shellQuote)
    .join(' ')
  try {
    tmux(
      'new-session',
      '-d',
      '-s',
      'main',
      '-x',
      String(options.cols ?? 100),
      '-y',
      String(options.rows ?? 30),
      '-c',
      options.cwd ?? process.cwd(),
      commandLine,
    )
  } catch (error) {
    close()
    throw error
  }

  const screen = () => tmux('capture-pane', '-p', '-t', 'main')
  // tmux scrolls the last lines of a finished command off the screen when it prints "Pane is dead".
  const text = () => tmux('capture-pane', '-p', '-S', '-', '-t', 'main')
  const exitStatus = (): number | undefined => {
    try {
      const written = readFileSync(statusFile, 'utf8')
      return written === '' ? undefined : Number(written)
    } catch {
      return undefined
    }
  }

  return {
    sendKeys: (...keys) => void tmux('send-keys', '-t', 'main', ...keys),
    typeText: (text) => void tmux('send-keys', '-t', 'main', '-l', text),
    screen,
    text,
    async waitForText(wanted, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const shown = text()
        if (typeof wanted === 'string' ? shown.includes(wanted) : wanted.test(shown)) return shown
        if (Date.now() > deadline) {
          throw new Error(
            `timed out after ${timeoutMs} ms waiting for ${String(wanted)}; the screen:\n${shown}`,
          )
        }
        await delay(POLL_MS)
      }
    },
    async waitForExit(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const status = exitStatus()
        if (status !== undefined) return status
        if (Date.now() > deadline) {
          throw new Error(`the command did not exit within ${timeoutMs} ms; the screen:\n${screen()}`)
        }
        await delay(POLL_MS)
      }
    },
    close,
  }
}
