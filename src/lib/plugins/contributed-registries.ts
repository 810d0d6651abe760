/**
 * The registries plugins contribute through the `registries` hook (src/lib/plugins/hook-contract.ts), checked and
 * merged into one map: canonical host → AppView URL. A contribution that is not a valid host and an
 * http(s) base URL is dropped with a reason; when two plugins claim the same host, the first wins.
 */
import type {RegistryContribution} from './hook-contract.ts'
import {parseServerAddress} from '../registry/server-address.ts'

export interface ContributedRegistry {
  host: string
  appViewUrl: string
  plugin: string
  description?: string
}

export interface PluginAnswer {
  plugin: string
  result: unknown
}

export interface MergedContributions {
  registries: Map<string, ContributedRegistry>
  /** One line per dropped contribution, for ATCR_DEBUG or a warning. */
  problems: string[]
}

function appViewBaseUrl(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  if (url.username || url.password || url.search || url.hash) return undefined
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

export function mergeContributions(answers: readonly PluginAnswer[]): MergedContributions {
  const registries = new Map<string, ContributedRegistry>()
  const problems: string[] = []
  for (const {plugin, result} of answers) {
    if (result === undefined || result === null) continue
    if (!Array.isArray(result)) {
      problems.push(`${plugin}: the registries hook returned ${typeof result}, not an array`)
      continue
    }
    for (const item of result as Partial<RegistryContribution>[]) {
      const label = JSON.stringify(item?.host ?? item)
      let host: string
      try {
        host = parseServerAddress(String(item?.host ?? '')).host
      } catch {
        problems.push(`${plugin}: ${label} is not a registry host`)
        continue
      }
      const appViewUrl = typeof item.appViewUrl === 'string' ? appViewBaseUrl(item.appViewUrl) : undefined
      if (!appViewUrl) {
        problems.push(`${plugin}: the AppView URL of ${host} must be an http(s) URL without credentials`)
        continue
      }
      const existing = registries.get(host)
      if (existing) {
        problems.push(
          `${plugin}: ${host} is already contributed by ${existing.plugin}; keeping ${existing.appViewUrl}`,
        )
        continue
      }
      const description = typeof item.description === 'string' ? item.description.split('\n')[0] : undefined
      registries.set(host, {host, appViewUrl, plugin, ...(description ? {description} : {})})
    }
  }
  return {registries, problems}
}
