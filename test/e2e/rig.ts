/**
 * The end-to-end rig: the AppView emulator and a real distribution registry answering on ONE
 * host:port (the emulator fronts /v2/ by proxying to the registry, as atcr.io does), a throw-away HOME
 * with the helper installed on PATH the way npm installs it (a `docker-credential-atcr` symlink to
 * bin/run.js, whose `#!/usr/bin/env node` finds the project's Node first), and one cleanup for all.
 */
import {randomBytes} from 'node:crypto'
import {chmodSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {type AppViewEmulator, startAppViewEmulator} from '../support/appview-emulator.ts'
import {type OciLayout, writeOciLayout} from './oci-image.ts'
import {ServerProcesses} from './processes.ts'
import {type RunningRegistry, startRegistry} from './registry.ts'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const CLI = path.join(REPO, 'bin', 'run.js')
export const HELPER = 'docker-credential-atcr'

export interface Identity {
  handle: string
  did: string
}

export const ALICE: Identity = {handle: 'alice.e2e.test', did: 'did:plc:alicee2eqzv7k3mdwxhfa4o'}
export const BOB: Identity = {handle: 'bob.e2e.test', did: 'did:plc:bobe2etn5gq2yjcrplx6ua'}

/**
 * One person's machine: HOME, the helper's account directory, Docker's config directory, and the
 * environment every client runs with. Scenarios that must not disturb the shared accounts (docker
 * login/logout, the Go client, the anonymous pull) get their own.
 */
export interface Home {
  name: string
  home: string
  configDir: string
  accountFile: string
  dockerConfig: string
  env: NodeJS.ProcessEnv
}

export class Rig {
  readonly root: string
  readonly servers = new ServerProcesses()
  readonly binDir: string
  readonly policyFile: string
  emulator!: AppViewEmulator
  registry!: RunningRegistry
  image!: OciLayout
  /** `127.0.0.1:<port>`: where the AppView and the registry both answer. */
  host = ''
  private closed = false

  constructor() {
    // Lower-case on purpose: podman and buildah name an image pulled from `oci:<dir>` after <dir>, and
    // an image name must be lower-case (mkdtemp's random suffix is not).
    this.root = path.join(tmpdir(), `atcr-e2e-${randomBytes(6).toString('hex')}`)
    mkdirSync(this.root, {mode: 0o700})
    this.binDir = path.join(this.root, 'bin')
    mkdirSync(this.binDir)
    // Installed as npm installs a bin: a symlink; Docker's exec of it leaves Docker the helper's parent.
    symlinkSync(CLI, path.join(this.binDir, HELPER))
    this.policyFile = path.join(this.root, 'policy.json')
    writeFileSync(this.policyFile, JSON.stringify({default: [{type: 'insecureAcceptAnything'}]}))
  }

  async start(): Promise<void> {
    this.emulator = await startAppViewEmulator()
    this.host = this.emulator.host
    this.registry = await startRegistry({
      directory: path.join(this.root, 'registry'),
      servers: this.servers,
      auth: {
        realm: `${this.emulator.url}/auth/token`,
        service: this.host,
        issuer: this.emulator.tokenIssuer,
        certificatePem: this.emulator.tokenCertificatePem,
      },
    })
    this.emulator.setRegistryUpstream(this.registry.url)
    this.image = writeOciLayout(path.join(this.root, 'image'))
  }

  /** A fresh HOME; `binDir` (default: the helper as installed) comes first on PATH. */
  makeHome(name: string, options: {binDir?: string} = {}): Home {
    const home = path.join(this.root, 'homes', name)
    const configDir = path.join(home, '.atcr')
    const dockerConfig = path.join(home, '.docker')
    const runtimeDir = path.join(home, 'run')
    for (const directory of [home, dockerConfig, runtimeDir]) mkdirSync(directory, {recursive: true})
    chmodSync(runtimeDir, 0o700)
    const registriesConf = path.join(home, 'registries.conf')
    writeFileSync(registriesConf, `[[registry]]\nlocation = "${this.host}"\ninsecure = true\n`)
    const env: NodeJS.ProcessEnv = {
      // The project's Node (v24) before the machine's, so `#!/usr/bin/env node` starts a Node ≥ 22.
      PATH: [options.binDir ?? this.binDir, path.join(REPO, 'node_modules', '.bin'), process.env.PATH]
        .filter(Boolean)
        .join(path.delimiter),
      HOME: home,
      ATCR_CONFIG_DIR: configDir,
      DOCKER_CONFIG: dockerConfig,
      // containers-tools look for auth.json under XDG_RUNTIME_DIR (root: /run/containers/0) first.
      XDG_RUNTIME_DIR: runtimeDir,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      CONTAINERS_REGISTRIES_CONF: registriesConf,
      TMPDIR: this.tmp(),
      NO_COLOR: '1',
      LANG: 'C.UTF-8',
    }
    return {name, home, configDir, accountFile: path.join(configDir, 'device.json'), dockerConfig, env}
  }

  /**
   * A bin dir whose helper logs each verb it is run with to `<log>` before exec'ing the real one
   * (exec keeps the client as the helper's parent): to count Docker's erase calls, for instance.
   */
  makeLoggingBin(name: string): {binDir: string; log: string} {
    const binDir = path.join(this.root, `bin-${name}`)
    mkdirSync(binDir)
    const log = path.join(binDir, 'calls.log')
    const shim = path.join(binDir, HELPER)
    writeFileSync(
      shim,
      `#!/bin/sh\nprintf '%s\\n' "$1" >> "${log}"\nexec "${process.execPath}" "${CLI}" "$@"\n`,
    )
    chmodSync(shim, 0o755)
    writeFileSync(log, '')
    return {binDir, log}
  }

  /** `<host>/<identity>/<repo>:<tag>` */
  ref(identity: Identity | string, repo: string, tag: string): string {
    return `${this.host}/${typeof identity === 'string' ? identity : identity.handle}/${repo}:${tag}`
  }

  private tmp(): string {
    const directory = path.join(this.root, 'tmp')
    if (!existsSync(directory)) mkdirSync(directory)
    return directory
  }

  /** Stop every server and remove every temp dir; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.servers.stop()
    await this.emulator?.close()
    rmSync(this.root, {recursive: true, force: true})
  }
}
