/**
 * `get` for a person who trusted plugins to run there (`plugins trust <plugin>`, see trusted-on-get.ts).
 * bin/run.js loads this module instead of going straight to the protocol verb only when the settings
 * file exists; without it, no plugin code is ever imported on the protocol path.
 *
 * The trusted `identityFromCommandLine` hooks are asked only when the built-in rules would not already
 * decide by an explicit choice: not when ATCR_ACCOUNT is set, not when the client's command line names
 * a known account. An identity a hook returns counts only if it is an account of the registry; it then
 * takes the place of the command-line rule (it beats the active account, as an image reference does).
 * All hooks together get IDENTITY_HOOK_BUDGET_MS; any failure, timeout or odd answer is ignored and
 * `get` answers exactly as it would without plugins. Then the ordinary verb runs, so the output is byte
 * for byte the one of the lean path.
 */
import {Readable} from 'node:stream'
import {pathToFileURL} from 'node:url'

import type {IdentityFromCommandLineOptions} from '../../hooks/contract.ts'
import {IDENTITY_HOOK_BUDGET_MS} from '../../hooks/contract.ts'
import type {RegistryEntry} from '../config/account-file.ts'
import {accountFilePaths, loadAccounts} from '../config/account-store.ts'
import {findAccount, findRegistry} from '../config/registry-entries.ts'
import {ancestorCommandLines, type ProcessInfo, systemProcessTable} from '../identity/parent-command-line.ts'
import {type PluginChoice, resolveAccount} from '../identity/resolve-account.ts'
import {
  isDebug,
  MAX_INPUT_BYTES,
  processIo,
  type ProtocolIo,
  runProtocolVerb,
} from '../protocol/run-protocol-verb.ts'
import {parseServerAddress} from '../registry/server-address.ts'
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
    // The person trusted one version's code; an update brings new code, which they have not seen.
    const {holds, installed} = trustHolds(settings, lookup.installedVersion)
    if (!holds) {
      lookup.explain(
        `plugin ${plugin}: trusted at ${settings.version ?? 'an unknown version'}, installed ${installed ?? 'unknown'}; not run until "plugins trust ${plugin}" again`,
      )
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

async function readBounded(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    chunks.push(buffer)
    size += buffer.length
    if (size > MAX_INPUT_BYTES) break // the verb reports the oversize input itself
  }
  return Buffer.concat(chunks)
}

/** Which identity the plugins add for this request, or undefined when the built-in rules stand. */
function lookupFor(
  input: Buffer,
  io: ProtocolIo,
  explain: (line: string) => void,
): IdentityLookup | undefined {
  if (io.env.ATCR_ACCOUNT) return undefined // explicit beats inferred, plugins included
  let host: string
  try {
    host = parseServerAddress(input.toString('utf8')).host
  } catch {
    return undefined
  }
  const paths = accountFilePaths(io.env, io.homedir)
  const registry = findRegistry(loadAccounts(paths), host)
  if (!registry || Object.keys(registry.entry.accounts).length === 0) return undefined
  const ancestors = [...ancestorCommandLines(systemProcessTable(io.platform), io.parentPid)]
  const builtIn = resolveAccount({host, entry: registry.entry, ancestors})
  if (builtIn.outcome === 'chosen' && builtIn.rule === 'command line') return undefined
  const trusted = readTrustedOnGet(trustedOnGetFile(paths.directory))
  if (Object.keys(trusted.plugins).length === 0) return undefined
  return {host, entry: registry.entry, ancestors, trusted, budgetMs: IDENTITY_HOOK_BUDGET_MS, explain}
}

/** `get` with the trusted plugins' identity hooks; resolves to the exit code. */
export async function runGetWithTrustedPlugins(io: ProtocolIo = processIo()): Promise<number> {
  if (io.stdin.isTTY) return runProtocolVerb('get', io)
  const input = await readBounded(io.stdin)
  const explain = isDebug(io.env) ? (line: string) => io.stderr.write(`atcr: ${line}\n`) : () => {}
  let pluginChoice: PluginChoice | undefined
  try {
    const lookup = lookupFor(input, io, explain)
    const found = lookup && (await identityFromTrustedPlugins(lookup))
    if (found) {
      const reason = `it read ${found.identity} from process ${found.pid}'s command line`
      pluginChoice = {plugin: found.plugin, key: found.key, reason}
    }
  } catch (error) {
    explain(`plugins skipped: ${(error as Error).message}`)
  }
  return runProtocolVerb('get', {...io, pluginChoice, stdin: Readable.from([input])})
}
