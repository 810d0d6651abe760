/**
 * A real Secret Service for the keychain tests: a private session bus (dbus-run-session, with a bus
 * configuration of our own that activates nothing) and gnome-keyring-daemon on it, whose login keyring
 * lives in a temporary home. Debian packages: dbus, gnome-keyring, libsecret-tools (secret-tool, an
 * independent reader of what the tests stored), dbus-tests (dbus-test-tool, whose black hole stands in
 * for an unlock prompt nobody answers). scripts/install-keychain-deps.sh installs them, which the tests
 * run only when CI is set or ATCR_E2E_INSTALL=1; otherwise they skip, saying so.
 *
 * Everything started here is a child of the test process, ended by `close`.
 */
import {type ChildProcess, execFileSync, spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before} from 'node:test'
import {fileURLToPath} from 'node:url'

import {makeSandbox, type Sandbox} from '../support/cli.ts'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const INSTALL_SCRIPT = 'scripts/install-keychain-deps.sh'
const PROGRAMS = ['dbus-run-session', 'dbus-send', 'gnome-keyring-daemon', 'secret-tool', 'dbus-test-tool']
const KEYRING_PASSWORD = 'rig-login-password'

const missingPrograms = () =>
  PROGRAMS.filter((program) => spawnSync('/bin/sh', ['-c', `command -v ${program}`]).status !== 0)

/**
 * Why the real Secret Service tests cannot run here, or undefined when they can. Installs the packages
 * first when CI is set or ATCR_E2E_INSTALL=1.
 */
export function secretServiceUnavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (process.platform !== 'linux') return 'the Secret Service tests run on Linux only'
  let missing = missingPrograms()
  if (missing.length > 0 && (env.CI || env.ATCR_E2E_INSTALL === '1')) {
    const install = spawnSync('bash', [path.join(REPO, INSTALL_SCRIPT)], {stdio: 'inherit'})
    if (install.status !== 0) throw new Error(`${INSTALL_SCRIPT} failed (exit ${install.status})`)
    missing = missingPrograms()
    if (missing.length > 0) throw new Error(`${INSTALL_SCRIPT} ran, and still missing: ${missing.join(', ')}`)
  }
  if (missing.length > 0)
    return `no ${missing.join(', ')}: run ${INSTALL_SCRIPT} (or set ATCR_E2E_INSTALL=1) to test against a real Secret Service`
  return undefined
}

/** A bus that listens in `directory`, lets everyone talk and own names, and starts no service itself. */
function busConfiguration(directory: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${directory}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const onData = (chunk: Buffer) => {
      text += chunk.toString()
      const end = text.indexOf('\n')
      if (end !== -1) {
        child.stdout!.off('data', onData)
        resolve(text.slice(0, end))
      }
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`exited (${code}) before printing a line`)))
  })
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

export class SecretServiceRig {
  /** The environment of every process that uses this Secret Service: a home of its own, the bus. */
  readonly env: NodeJS.ProcessEnv
  readonly #root: string
  readonly #bus: ChildProcess
  #keyring: ChildProcess | undefined
  #prompter: ChildProcess | undefined

  private constructor(root: string, bus: ChildProcess, env: NodeJS.ProcessEnv) {
    this.#root = root
    this.#bus = bus
    this.env = env
  }

  static async start(): Promise<SecretServiceRig> {
    const root = mkdtempSync(path.join(tmpdir(), 'atcr-secret-service-'))
    const home = path.join(root, 'home')
    const runtime = path.join(root, 'run')
    mkdirSync(runtime, {recursive: true, mode: 0o700})
    mkdirSync(home, {recursive: true, mode: 0o700})
    const config = path.join(root, 'bus.conf')
    writeFileSync(config, busConfiguration(runtime))
    const base: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      XDG_DATA_HOME: path.join(home, '.local', 'share'),
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      XDG_RUNTIME_DIR: runtime,
    }
    // The bus lives as long as the shell does, which is until the test closes its stdin.
    const bus = spawn(
      'dbus-run-session',
      [
        `--config-file=${config}`,
        '--',
        'sh',
        '-c',
        'printf "%s\\n" "$DBUS_SESSION_BUS_ADDRESS"; exec cat >/dev/null',
      ],
      {env: base, stdio: ['pipe', 'pipe', 'ignore']},
    )
    const address = await firstLine(bus)
    return new SecretServiceRig(root, bus, {...base, DBUS_SESSION_BUS_ADDRESS: address})
  }

  /** Whether a name is owned on the bus. */
  #owned(name: string): boolean {
    const reply = spawnSync(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.NameHasOwner',
        `string:${name}`,
      ],
      {env: this.env, encoding: 'utf8'},
    )
    return /boolean true/.test(reply.stdout)
  }

  async #waitFor(name: string, owned: boolean): Promise<void> {
    for (let waited = 0; this.#owned(name) !== owned; waited += 20) {
      if (waited > 10_000) throw new Error(`${name} still ${owned ? 'not owned' : 'owned'} after 10 s`)
      await pause(20)
    }
  }

  /** gnome-keyring-daemon with its login keyring unlocked (created on first start); once. */
  async startKeyring(): Promise<void> {
    if (this.#keyring) return
    const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
      env: this.env,
      stdio: ['pipe', 'ignore', 'ignore'],
    })
    keyring.stdin.end(KEYRING_PASSWORD)
    this.#keyring = keyring
    await this.#waitFor('org.freedesktop.secrets', true)
  }

  async stopKeyring(): Promise<void> {
    await stop(this.#keyring)
    this.#keyring = undefined
    await this.#waitFor('org.freedesktop.secrets', false)
  }

  /** Lock the login keyring, as a screen lock or a timeout would (a restart unlocks it again). */
  lock(): void {
    execFileSync(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--dest=org.freedesktop.secrets',
        '/org/freedesktop/secrets',
        'org.freedesktop.Secret.Service.Lock',
        'array:objpath:/org/freedesktop/secrets/collection/login',
      ],
      {env: this.env, stdio: 'ignore'},
    )
  }

  /** From now on an unlock prompt shows and nobody answers it: the prompter's name is a black hole. */
  async promptNobodyAnswers(): Promise<void> {
    this.#prompter = spawn(
      'dbus-test-tool',
      ['black-hole', '--session', '--name=org.gnome.keyring.SystemPrompter'],
      {env: this.env, stdio: 'ignore'},
    )
    await this.#waitFor('org.gnome.keyring.SystemPrompter', true)
  }

  async promptCannotShow(): Promise<void> {
    await stop(this.#prompter)
    this.#prompter = undefined
    await this.#waitFor('org.gnome.keyring.SystemPrompter', false)
  }

  /** What the Secret Service holds for a service and account, read by libsecret's secret-tool. */
  lookup(service: string, account: string): string | undefined {
    const found = spawnSync('secret-tool', ['lookup', 'service', service, 'username', account], {
      env: this.env,
      encoding: 'utf8',
    })
    return found.status === 0 ? found.stdout : undefined
  }

  /** Delete an item behind the helper's back, as a person with their keychain's own tool would. */
  clear(service: string, account: string): void {
    execFileSync('secret-tool', ['clear', 'service', service, 'username', account], {
      env: this.env,
      stdio: 'ignore',
    })
  }

  async close(): Promise<void> {
    await stop(this.#prompter)
    await stop(this.#keyring)
    this.#bus.stdin!.end()
    await new Promise<void>((resolve) => {
      if (this.#bus.exitCode !== null) resolve()
      else this.#bus.once('exit', () => resolve())
    })
    rmSync(this.#root, {recursive: true, force: true})
  }
}

/**
 * For a suite that runs the CLI against the rig: a running keyring and a sandbox (test/support/cli.ts),
 * started before its tests and ended after; `env` is the sandbox's with the rig's bus and home.
 */
export function useSecretServiceSandbox(): {
  readonly rig: SecretServiceRig
  readonly sandbox: Sandbox
  readonly env: NodeJS.ProcessEnv
} {
  let rig: SecretServiceRig | undefined
  let sandbox: Sandbox | undefined
  before(async () => {
    rig = await SecretServiceRig.start()
    await rig.startKeyring()
    sandbox = makeSandbox()
  })
  after(async () => {
    sandbox?.cleanup()
    await rig?.close()
  })
  return {
    get rig() {
      return rig!
    },
    get sandbox() {
      return sandbox!
    },
    get env() {
      return {...sandbox!.env, ...rig!.env, HOME: sandbox!.home}
    },
  }
}
