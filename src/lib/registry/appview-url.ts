/**
 * Which URL the AppView of a registry answers on (spec/appview-api.md, "Base URL of a registry").
 *
 * `https` unless the host is loopback or listed in the Docker daemon's `insecure-registries`, exactly as
 * the Docker daemon itself decides whether to talk plain http to a registry.
 *
 * Transport rule (issue 11), in this one place: whoever reads an account's `appview_url` (or a plugin's
 * AppView URL) goes through appViewUrlFor, which keeps a non-loopback `http://` URL only for a registry
 * Docker itself treats as insecure and upgrades every other one to https (secureAppViewUrl). And for the
 * plain-http URLs that remain, the clients try https first, then http, as Docker does (httpsFirstFor).
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {net} from '../lazy-builtin.ts'

import {LOOPBACK_NAME} from './connect-lookup.ts'
import {parseServerAddress} from './server-address.ts'

export interface DaemonConfigEnvironment {
  env: NodeJS.ProcessEnv
  homedir: string
  platform: NodeJS.Platform
  readFile?: (file: string) => string
}

/** Every daemon.json a Docker daemon on this machine may be reading, most specific first. */
export function daemonConfigPaths({env, homedir, platform}: DaemonConfigEnvironment): string[] {
  if (platform === 'win32') {
    const programData = env.ProgramData ?? 'C:\\ProgramData'
    return [
      path.win32.join(programData, 'docker', 'config', 'daemon.json'),
      path.join(homedir, '.docker', 'daemon.json'),
    ]
  }
  const xdgConfig = env.XDG_CONFIG_HOME || path.join(homedir, '.config')
  return [
    path.join(xdgConfig, 'docker', 'daemon.json'), // rootless
    path.join(homedir, '.docker', 'daemon.json'), // Docker Desktop's copy
    '/etc/docker/daemon.json',
  ]
}

/** The union of `insecure-registries` from every readable daemon.json; unreadable or invalid files are skipped. */
export function readInsecureRegistries(context: DaemonConfigEnvironment): string[] {
  const read = context.readFile ?? ((file: string) => readFileSync(file, 'utf8'))
  const entries = new Set<string>()
  for (const file of daemonConfigPaths(context)) {
    let parsed: unknown
    try {
      parsed = JSON.parse(read(file))
    } catch {
      continue
    }
    const list = (parsed as {'insecure-registries'?: unknown})?.['insecure-registries']
    if (!Array.isArray(list)) continue
    for (const item of list) if (typeof item === 'string' && item.trim() !== '') entries.add(item.trim())
  }
  return [...entries]
}

/** node:net, loaded on first use: only `store` of a new registry needs it, never `get`. */
function isIP(address: string): number {
  return net().isIP(address)
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0)
}

function ipv6ToBigInt(address: string): bigint {
  let text = address.replace(/%.*$/, '')
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4) {
    const n = ipv4ToNumber(v4[1]!)
    text = text.slice(0, -v4[1]!.length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`
  }
  const [head, tail] = text.split('::') as [string, string | undefined]
  const headParts = head === '' ? [] : head.split(':')
  const tailParts = tail === undefined || tail === '' ? [] : tail.split(':')
  const missing = 8 - headParts.length - tailParts.length
  const parts = [
    ...headParts,
    ...Array.from({length: tail === undefined ? 0 : missing}, () => '0'),
    ...tailParts,
  ]
  return parts.reduce((sum, part) => (sum << 16n) + BigInt(Number.parseInt(part || '0', 16)), 0n)
}

/** Whether an IP address lies inside a CIDR block (`10.0.0.0/8`, `fd00::/8`). */
export function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/')
  if (base === undefined || bitsText === undefined || !/^\d+$/.test(bitsText)) return false
  const family = isIP(ip)
  if (family === 0 || isIP(base) !== family) return false
  const bits = Number(bitsText)
  if (family === 4) {
    if (bits > 32) return false
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0
    return (ipv4ToNumber(ip) & mask) >>> 0 === (ipv4ToNumber(base) & mask) >>> 0
  }
  if (bits > 128) return false
  const shift = BigInt(128 - bits)
  return ipv6ToBigInt(ip) >> shift === ipv6ToBigInt(base) >> shift
}

/**
 * Loopback by address (issue 17): an IP literal in 127.0.0.0/8, `::1`, or the name `localhost`, which the
 * clients connect to 127.0.0.1 directly (connect-lookup.ts). No other name is loopback by its name, not
 * even `*.localhost`: its address comes from DNS or /etc/hosts, and may be any machine.
 */
export function isLoopbackHost(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, '')
  if (name === LOOPBACK_NAME) return true
  if (isIP(name) === 4) return name.startsWith('127.')
  if (isIP(name) === 6) return ipv6ToBigInt(name) === 1n
  return false
}

/** Whether the daemon's insecure-registries list covers a host (by host, host:port or CIDR). */
export function isInsecureRegistry(host: string, insecureRegistries: readonly string[]): boolean {
  const address = parseServerAddress(host)
  for (const entry of insecureRegistries) {
    if (entry.includes('/') && !entry.includes('://')) {
      if (isIP(address.hostname) !== 0 && ipInCidr(address.hostname, entry)) return true
      continue
    }
    let listed: string
    try {
      listed = parseServerAddress(entry).host
    } catch {
      continue
    }
    if (listed === address.host || listed === address.hostname) return true
  }
  return false
}

export interface AppViewUrlOptions {
  /** An account's stored `appview_url`, which wins over every rule. */
  accountAppViewUrl?: string
  /** The AppView URL a plugin contributed for the host (`registries` hook); wins over the built-in rule. */
  contributedAppViewUrl?: string
  /** Lazily read: only consulted for hosts that are not loopback. */
  insecureRegistries: () => readonly string[]
}

/**
 * A stored or contributed AppView URL with the transport rule applied: a non-loopback `http://` URL
 * stays only when the registry `host` (or the AppView's own host) is in `insecure-registries`; otherwise
 * it becomes `https://` (same host and port). Anything else is returned as it is, without a trailing
 * slash. Migration of old account files calls this for their `appview_url`.
 */
export function secureAppViewUrl(
  url: string,
  host: string,
  insecureRegistries: () => readonly string[],
): string {
  const trimmed = url.replace(/\/+$/, '')
  let parsed: URL
  try {
    parsed = new URL(trimmed)
  } catch {
    return trimmed
  }
  if (parsed.protocol !== 'http:' || isLoopbackHost(parsed.hostname)) return trimmed
  const listed = insecureRegistries()
  let registryInsecure = false
  try {
    registryInsecure = isInsecureRegistry(host, listed)
  } catch {
    // An unparsable registry host is not listed.
  }
  if (registryInsecure || isInsecureRegistry(parsed.host, listed)) return trimmed
  return `https://${trimmed.slice('http://'.length)}`
}

/**
 * Whether a request to this AppView URL should try https before the URL's own plain http: a
 * non-loopback `http://` URL, which appViewUrlFor leaves only for a configured-insecure registry.
 * Docker tries https first for those too (with TLS verification off), then http.
 */
export function httpsFirstFor(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)
  } catch {
    return false
  }
}

/** The AppView base URL (`scheme://host[:port]`, no trailing slash) for a registry host. */
export function appViewUrlFor(host: string, options: AppViewUrlOptions): string {
  const stored = options.accountAppViewUrl || options.contributedAppViewUrl
  if (stored) return secureAppViewUrl(stored, host, options.insecureRegistries)
  const address = parseServerAddress(host)
  const plain =
    isLoopbackHost(address.hostname) || isInsecureRegistry(address.host, options.insecureRegistries())
  return `${plain ? 'http' : 'https'}://${address.host}`
}
