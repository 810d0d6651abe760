/**
 * The programs the rig drives, installed from Debian's packages when missing and asked for
 * (scripts/install-e2e-deps.sh; see mayInstall), then looked for one by one: a client that is not
 * there skips its scenarios instead of failing them, and the run says how to install it.
 */
import {existsSync} from 'node:fs'
import path from 'node:path'

import {envFlag} from '../../src/lib/env-flag.ts'
import {run} from './processes.ts'
import {REGISTRY_BINARY} from './registry.ts'
import {REPO} from './rig.ts'

export type Tool = 'registry' | 'skopeo' | 'podman' | 'buildah' | 'docker' | 'go'

export const GO_PATH = '/usr/share/gocode'
const GO_CLIENT_PACKAGE = path.join(GO_PATH, 'src/github.com/docker/docker-credential-helpers/client')

export interface ToolReport {
  /** Tools present, and for each missing one why. */
  available: Set<Tool>
  missing: Map<Tool, string>
  /** What the install step said, for the log. */
  installNote: string
}

async function onPath(program: string): Promise<boolean> {
  const result = await run('sh', ['-c', `command -v ${program}`], {env: process.env, timeoutMs: 10_000})
  return result.code === 0
}

/** What installs the clients: printed on the one line that skips the scenarios they would run. */
export const INSTALL_COMMAND =
  'scripts/install-e2e-deps.sh (as root, or with sudo), or run the suite with ATCR_E2E_INSTALL=1'

/**
 * Whether this run may install system packages: `npm test` changes nothing outside the checkout unless
 * asked, so only in CI (CI set) or when ATCR_E2E_INSTALL=1 says so.
 */
export function mayInstall(env: NodeJS.ProcessEnv): boolean {
  return envFlag(env, 'ATCR_E2E_INSTALL', envFlag(env, 'CI'))
}

/** Run the install script when allowed (mayInstall), then see what is there. */
export async function prepareTools(env: NodeJS.ProcessEnv = process.env): Promise<ToolReport> {
  let installNote = 'install step not asked for (CI unset, ATCR_E2E_INSTALL unset)'
  if (mayInstall(env)) {
    const started = Date.now()
    const install = await run('bash', [path.join(REPO, 'scripts', 'install-e2e-deps.sh')], {
      env,
      timeoutMs: 15 * 60_000,
    })
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    const said = `${install.stdout}${install.stderr}`.trim().split('\n').slice(-3).join(' / ')
    installNote =
      install.code === 0
        ? `${said} (${seconds} s)`
        : `install-e2e-deps.sh failed (exit ${install.code}, ${seconds} s): ${said}`
  }

  const checks: Record<Tool, () => Promise<string | undefined>> = {
    registry: async () => (existsSync(REGISTRY_BINARY) ? undefined : `${REGISTRY_BINARY} not installed`),
    skopeo: async () => ((await onPath('skopeo')) ? undefined : 'skopeo not installed'),
    podman: async () => ((await onPath('podman')) ? undefined : 'podman not installed'),
    buildah: async () => ((await onPath('buildah')) ? undefined : 'buildah not installed'),
    docker: async () => ((await onPath('docker')) ? undefined : 'the docker CLI not installed'),
    go: async () => {
      if (!(await onPath('go'))) return 'go not installed'
      if (!existsSync(GO_CLIENT_PACKAGE))
        return `${GO_CLIENT_PACKAGE} missing (Debian package
        golang-github-docker-docker-credential-helpers-dev)`
      return undefined
    },
  }
  const available = new Set<Tool>()
  const missing = new Map<Tool, string>()
  for (const [tool, check] of Object.entries(checks) as [Tool, () => Promise<string | undefined>][]) {
    const problem = await check()
    if (problem === undefined) available.add(tool)
    else missing.set(tool, problem.replace(/\s+/g, ' '))
  }
  return {available, missing, installNote}
}
