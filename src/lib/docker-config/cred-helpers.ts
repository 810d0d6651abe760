/**
 * `configure-docker`: point Docker's `credHelpers` at this helper for some registry hosts, and say what
 * else in config.json may still answer for those hosts (a `credsStore`, a saved login under `auths`).
 */
import {canonicalHost} from '../registry/server-address.ts'
import {
  type DockerConfigDocument,
  DockerConfigError,
  readDockerConfig,
  writeDockerConfig,
} from './docker-config-file.ts'

/** Docker runs `docker-credential-<name>` for a credHelpers entry `"<host>": "<name>"`. */
export const HELPER_NAME = 'atcr'

export interface CredHelpersPlan {
  /** Hosts that get a new entry. */
  added: string[]
  /** Hosts whose entry named another helper. */
  replaced: Array<{host: string; previous: string}>
  /** Hosts already pointing at this helper. */
  alreadyConfigured: string[]
  /** credHelpers before and after, as objects (`{}` when absent). */
  before: Record<string, unknown>
  after: Record<string, unknown>
  /** One line per thing a person should know; never a secret. */
  warnings: string[]
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function holdsCredentials(entry: unknown): boolean {
  if (!isObject(entry)) return false
  return ['auth', 'identitytoken'].some((field) => typeof entry[field] === 'string' && entry[field] !== '')
}

/** Keys of `auths` that Docker maps to a host (`https://atcr.io/v1/` → `atcr.io`) and that hold credentials. */
function shadowingAuths(config: Record<string, unknown>, host: string): string[] {
  const auths = config.auths
  if (!isObject(auths)) return []
  return Object.keys(auths).filter((key) => canonicalHost(key) === host && holdsCredentials(auths[key]))
}

/** Compute the new credHelpers and the warnings, changing `config` in place. */
export function planCredHelpers(
  config: Record<string, unknown>,
  hosts: readonly string[],
  file: string,
): CredHelpersPlan {
  const existing = config.credHelpers
  if (existing !== undefined && existing !== null && !isObject(existing)) {
    throw new DockerConfigError(
      file,
      '"credHelpers" is not a JSON object; fix it by hand (it maps hosts to helper names)',
    )
  }
  const before: Record<string, unknown> = {...(existing ?? {})}
  const after: Record<string, unknown> = {...before}
  const plan: CredHelpersPlan = {added: [], replaced: [], alreadyConfigured: [], before, after, warnings: []}

  for (const host of new Set(hosts)) {
    const current = before[host]
    if (current === HELPER_NAME) {
      plan.alreadyConfigured.push(host)
      continue
    }
    if (current === undefined) plan.added.push(host)
    else plan.replaced.push({host, previous: String(current)})
    after[host] = HELPER_NAME
  }
  if (plan.added.length > 0 || plan.replaced.length > 0) config.credHelpers = after

  const ours = [...new Set(hosts)]
  if (typeof config.credsStore === 'string' && config.credsStore !== '' && ours.length > 0) {
    plan.warnings.push(
      `credsStore "${config.credsStore}" still answers for other registries; for ${ours.join(', ')} credHelpers wins.`,
    )
  }
  for (const host of ours) {
    for (const key of shadowingAuths(config, host)) {
      plan.warnings.push(
        `podman, skopeo and buildah still send the ${host} login saved in "auths" (key ${JSON.stringify(key)}): ` +
          `delete that entry from ${file} by hand, not with docker logout ${host} (it would erase your ATCR account).`,
      )
    }
  }
  return plan
}

/** A diff-like view of credHelpers before and after, for `--dry-run`. */
export function renderCredHelpersDiff(plan: Pick<CredHelpersPlan, 'before' | 'after'>): string {
  const show = (key: string, value: unknown) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`
  const lines = ['  "credHelpers": {']
  for (const [key, value] of Object.entries(plan.after)) {
    if (!(key in plan.before)) lines.push(`+     ${show(key, value)}`)
    else if (plan.before[key] === value) lines.push(`      ${show(key, value)}`)
    else lines.push(`-     ${show(key, plan.before[key])}`, `+     ${show(key, value)}`)
  }
  lines.push('  }')
  return lines.join('\n')
}

export interface ConfigureDockerInput {
  /** Path of config.json (possibly a symlink). */
  file: string
  /** Canonical hosts to point at this helper. */
  hosts: readonly string[]
  dryRun: boolean
  /**
   * Whether an entry naming another helper may be replaced (default true). When false and one would
   * be, nothing is written and ReplacingAnotherHelperError says which.
   */
  mayReplace?: boolean
}

/** A host's credHelpers entry names another helper, and replacing it was not agreed to. */
export class ReplacingAnotherHelperError extends Error {
  readonly replaced: ReadonlyArray<{host: string; previous: string}>
  constructor(replaced: ReadonlyArray<{host: string; previous: string}>) {
    super(`${replaced.map((entry) => `${entry.host} uses "${entry.previous}"`).join('; ')}`)
    this.name = 'ReplacingAnotherHelperError'
    this.replaced = replaced
  }
}

export interface ConfigureDockerResult {
  file: string
  /** Where the file really is (the symlink's target), and where a write goes. */
  target: string
  /** Whether the file was (or, with dryRun, would be) created. */
  created: boolean
  /** Whether the file was written (always false with dryRun). */
  written: boolean
  dryRun: boolean
  added: string[]
  replaced: Array<{host: string; previous: string}>
  alreadyConfigured: string[]
  warnings: string[]
  /** The credHelpers diff; empty when nothing changes. */
  diff: string
}

/** Read config.json, plan the change, and write it unless dryRun or nothing changes. */
export function configureDocker(input: ConfigureDockerInput): ConfigureDockerResult {
  const document: DockerConfigDocument = readDockerConfig(input.file)
  const plan = planCredHelpers(document.config, input.hosts, input.file)
  const changes = plan.added.length + plan.replaced.length > 0
  if (!input.dryRun && input.mayReplace === false && plan.replaced.length > 0)
    throw new ReplacingAnotherHelperError(plan.replaced)
  if (changes && !input.dryRun) writeDockerConfig(document, 'credHelpers')
  return {
    file: input.file,
    target: document.target,
    created: changes && !document.exists,
    written: changes && !input.dryRun,
    dryRun: input.dryRun,
    added: plan.added,
    replaced: plan.replaced,
    alreadyConfigured: plan.alreadyConfigured,
    warnings: plan.warnings,
    diff: changes ? renderCredHelpersDiff(plan) : '',
  }
}
