/**
 * What `plugins` lists: each installed or linked plugin with its trust state on `get`, so that a lapsed
 * trust (a new version, a changed hook file) is visible without ATCR_DEBUG; and, under --json, a short
 * typed list instead of oclif's internals.
 */
import {existsSync} from 'node:fs'

import {readTrustSettings, trustHolds, type TrustedPlugin} from './trusted-on-get.ts'

export type PluginTrust = 'trusted' | 'lapsed' | 'not trusted'

export interface ListedPlugin {
  name: string
  version: string
  /** `user` (installed) or `link`. */
  type: string
  /** Whether its identityFromCommandLine hook runs on get (`plugins trust`). */
  trust: PluginTrust
  /** Why a trust lapsed (lapsed only). */
  reason?: string
}

/** The plugins a person added (not the CLI's own), with the trust each one has on get. */
export function listPlugins(
  plugins: ReadonlyArray<{name: string; version: string; type: string}>,
  trustFile: string,
  holds: (plugin: TrustedPlugin) => {holds: boolean; reason?: string} = trustHolds,
): ListedPlugin[] {
  const trusted = existsSync(trustFile) ? readTrustSettings(trustFile).plugins : {}
  return plugins
    .filter((plugin) => plugin.type === 'user' || plugin.type === 'link')
    .map((plugin) => {
      const listed = {name: plugin.name, version: plugin.version, type: plugin.type}
      const trust = Object.hasOwn(trusted, plugin.name) ? trusted[plugin.name] : undefined
      if (!trust) return {...listed, trust: 'not trusted' as const}
      const check = holds(trust)
      return check.holds
        ? {...listed, trust: 'trusted' as const}
        : {...listed, trust: 'lapsed' as const, ...(check.reason && {reason: check.reason})}
    })
    .sort((a, b) => a.name.localeCompare(b.name))
}

/** One line per plugin, for a person. */
export function pluginLine(plugin: ListedPlugin, bin: string): string {
  const head = `${plugin.name} ${plugin.version}${plugin.type === 'link' ? ' (link)' : ''}`
  if (plugin.trust === 'trusted') return `${head}: trusted on get`
  if (plugin.trust === 'not trusted') return `${head}: not trusted on get`
  return `${head}: trust lapsed${plugin.reason ? ` (${plugin.reason})` : ''}; get skips it. Trust it again: ${bin} plugins trust ${plugin.name}`
}
