/**
 * `get` for a person who trusted plugins to run there (`plugins trust <plugin>`, see trusted-on-get.ts).
 * src/entry.ts takes this path instead of the plain verb only when the settings file is there; without
 * it, no plugin code is ever imported on the protocol path.
 *
 * The trusted `identityFromCommandLine` hooks are asked only when the built-in rules would not already
 * decide by an explicit choice: not when ATCR_ACCOUNT is set, not when the client's command line names
 * a known account. An identity a hook returns counts only if it is an account of the registry; it then
 * takes the place of the command-line rule (it beats the active account, as an image reference does).
 * All hooks together get IDENTITY_HOOK_BUDGET_MS; any failure, timeout or odd answer is ignored and
 * `get` answers exactly as it would without plugins. The ordinary verb does everything else (stdin, the
 * account file, the answer), so the output is byte for byte the one of the lean path; the request is read
 * and the built-in rules applied once, for both.
 */
import {pathToFileURL} from 'node:url'

import {findAccount} from '../config/registry-entries.ts'
import type {ProcessInfo} from '../identity/parent-command-line.ts'
import {pluginMayChoose, type Resolution, withPluginChoice} from '../identity/resolve-account.ts'
import {processIo, type ProtocolIo, runProtocolVerb} from '../protocol/run-protocol-verb.ts'
import {type GetRequest, type ProtocolContext, resolveGetAccount} from '../protocol/verbs.ts'
import type {RegistryEntry} from '../config/account-file.ts'
import {IDENTITY_HOOK_BUDGET_MS, type IdentityFromCommandLineOptions} from './hook-contract.ts'
import {readTrustedOnGet, type TrustedOnGet, trustedOnGetFile, trustHolds} from './trusted-on-get.ts'

type IdentityHook = (options: IdentityFromCommandLineOptions & {config?: undefined}) => unknown

export interface PluginIdentity {
  plugin: string
  pid: number
  identity: string
  /** The account key the identity matched. */
  key: string
}

export interface IdentityLookup {
  host: string
  entry: RegistryEntry
  ancestors: readonly ProcessInfo[]
  trusted: TrustedOnGet
  budgetMs: number
  explain: (line: string) => void
  importModule?: (url: string) => Promise<Record<string, unknown>>
  /** The version a plugin root's package.json holds now (default: read it). */
  installedVersion?: (root: string) => string | undefined
}

async function askHooks(lookup: IdentityLookup): Promise<PluginIdentity | undefined> {
  const importModule =
    lookup.importModule ?? ((url: string) => import(url) as Promise<Record<string, unknown>>)
  const hooks: {plugin: string; run: IdentityHook}[] = []
  for (const [plugin, settings] of Object.entries(lookup.trusted.plugins)) {
    // The person trusted this code: an update or an edited hook file is code they have not seen.
    const {holds, reason} = trustHolds(settings, lookup.installedVersion)
    if (!holds) {
      lookup.explain(`plugin ${plugin}: ${reason}; not run until "plugins trust ${plugin}" again`)
      continue
    }
    for (const hook of settings.hooks) {
      try {
        const module = await importModule(pathToFileURL(hook.file).href)
        const run = module[hook.export]
        if (typeof run === 'function') hooks.push({plugin, run: run as IdentityHook})
        else lookup.explain(`plugin ${plugin}: ${hook.file} has no function export "${hook.export}"`)
      } catch (error) {
        lookup.explain(`plugin ${plugin}: cannot load ${hook.file} (${(error as Error).message})`)
      }
    }
  }
  for (const ancestor of lookup.ancestors) {
    for (const {plugin, run} of hooks) {
      let answer: unknown
      try {
        answer = await run({argv: Object.freeze([...ancestor.argv]), host: lookup.host, config: undefined})
      } catch (error) {
        lookup.explain(`plugin ${plugin}: identityFromCommandLine failed (${(error as Error).message})`)
        continue
      }
      if (answer === undefined || answer === null) continue
      if (typeof answer !== 'string' || answer.trim() === '') {
        lookup.explain(`plugin ${plugin}: ignored an answer that is not a handle or DID`)
        continue
      }
      const found = findAccount(lookup.entry, answer.trim())
      if (!found) {
        lookup.explain(
          `plugin ${plugin}: process ${ancestor.pid} names ${answer.trim()}, not an account of ${lookup.host}`,
        )
        continue
      }
      return {plugin, pid: ancestor.pid, identity: answer.trim(), key: found.key}
    }
  }
  return undefined
}

/** The account trusted plugins name for this `get`, within the time budget; undefined otherwise. */
export async function identityFromTrustedPlugins(
  lookup: IdentityLookup,
): Promise<PluginIdentity | undefined> {
  let timer: NodeJS.Timeout | undefined
  const budget = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      lookup.explain(`plugins did not answer within ${lookup.budgetMs} ms; answering without them`)
      resolve(undefined)
    }, lookup.budgetMs)
    timer.unref()
  })
  try {
    return await Promise.race([askHooks(lookup).catch(() => undefined), budget])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The account for a `get`: the built-in rules, and the trusted hooks only where those rules would fall
 * back to the active or only account, or give up (not past ATCR_ACCOUNT, nor a command line that names a
 * known account). A hook's answer counts only when it names an account of the registry.
 */
export async function resolveWithTrustedPlugins(
  request: GetRequest,
  context: ProtocolContext,
): Promise<Resolution> {
  const builtIn = resolveGetAccount(request, context)
  // Explicit beats inferred, plugins included: with ATCR_ACCOUNT set, no hook runs.
  if (context.env.ATCR_ACCOUNT || !request.registry || !pluginMayChoose(builtIn)) return builtIn
  let found: PluginIdentity | undefined
  try {
    const trusted = readTrustedOnGet(trustedOnGetFile(context.paths.directory))
    if (Object.keys(trusted.plugins).length === 0) return builtIn
    found = await identityFromTrustedPlugins({
      host: request.host,
      entry: request.registry.entry,
      ancestors: [...request.ancestors],
      trusted,
      budgetMs: IDENTITY_HOOK_BUDGET_MS,
      explain: context.explain,
    })
  } catch (error) {
    context.explain(`plugins skipped: ${(error as Error).message}`)
  }
  if (!found) return builtIn
  const reason = `it read ${found.identity} from process ${found.pid}'s command line`
  return withPluginChoice(builtIn, request.registry.entry, {plugin: found.plugin, key: found.key, reason})
}

/** `get` with the trusted plugins' identity hooks; resolves to the exit code. */
export async function runGetWithTrustedPlugins(io: ProtocolIo = processIo()): Promise<number> {
  return runProtocolVerb('get', io, {resolveGet: resolveWithTrustedPlugins})
}
