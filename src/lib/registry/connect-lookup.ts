/**
 * How an AppView's host name becomes the address the helper connects to (issue 17), for the `get`
 * check (src/lib/session-check/check-secret-lean.ts) and the people commands' client (src/lib/appview):
 *
 * - `localhost` is loopback by its definition, so appViewUrlFor lets it speak plain http: it is connected
 *   to 127.0.0.1 (or ::1) directly, never through /etc/hosts or DNS, whose answer could be any machine.
 *   No other name is loopback by its name (`registry.localhost` is resolved like any name, and gets https);
 * - with a deadline (`get`), every other name is looked up in /etc/hosts, then asked of the DNS servers of
 *   /etc/resolv.conf, and the question is cancelled at the deadline (cancellableLookup);
 * - without one (people commands), the system resolver answers (getaddrinfo: nsswitch, mDNS, search
 *   domains), as for any program a person runs.
 */
import type {LookupAddress} from 'node:dns'
import type {LookupFunction} from 'node:net'

import {readRegularFile} from '../config/read-regular-file.ts'

/** The one name that is loopback by its name (spec/appview-api.md, "Base URL of a registry"). */
export const LOOPBACK_NAME = 'localhost'

type Callback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/**
 * A name lookup that may hand back a way to cancel it. Node's LookupFunction, which tests pass, is one;
 * cancellableLookup is one that can really be cancelled.
 */
export type Resolve = (
  hostname: string,
  options: {family?: number | string; all?: boolean},
  callback: Callback,
) => (() => void) | void

const dns = () => process.getBuiltinModule('node:dns')

/** getaddrinfo, on libuv's thread pool: it cannot be cancelled, and the process cannot exit before it ends. */
const systemLookup: Resolve = (hostname, options, callback) =>
  dns().lookup(
    hostname,
    {...options, all: true} as import('node:dns').LookupAllOptions,
    (error, addresses) =>
      error ? callback(error, options.all ? [] : '') : answer(callback, addresses, options.all),
  )

const familyOf = (family: number | string | undefined): 0 | 4 | 6 =>
  family === 6 || family === 'IPv6' ? 6 : family === 4 || family === 'IPv4' ? 4 : 0

function answer(callback: Callback, addresses: LookupAddress[], all: boolean | undefined): void {
  if (addresses.length === 0)
    callback(Object.assign(new Error('no address'), {code: 'ENOTFOUND'}), all ? [] : '')
  else if (all) callback(null, addresses)
  else callback(null, addresses[0]!.address, addresses[0]!.family)
}

function notFound(hostname: string, code = 'ENOTFOUND'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${hostname} does not resolve (${code})`), {code, hostname})
}

/** /etc/hosts holds a few lines; a larger file is not read (the DNS servers are asked instead). */
const MAX_HOSTS_BYTES = 1024 * 1024

/** The addresses /etc/hosts gives a name, in file order ([] when none, or when it cannot be read). */
export function hostsFileAddresses(hostname: string, hostsFile = '/etc/hosts'): LookupAddress[] {
  let text: string
  try {
    text = readRegularFile(hostsFile, {maxBytes: MAX_HOSTS_BYTES})?.toString('utf8') ?? ''
  } catch {
    return []
  }
  const wanted = hostname.toLowerCase().replace(/\.$/, '')
  const found: LookupAddress[] = []
  for (const line of text.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/)
    if (!address || !names.some((name) => name.toLowerCase().replace(/\.$/, '') === wanted)) continue
    const family = process.getBuiltinModule('node:net').isIP(address.replace(/%.*$/, ''))
    if (family === 4 || family === 6) found.push({address, family})
  }
  return found
}

/**
 * `get`'s lookup: /etc/hosts, then the DNS servers of /etc/resolv.conf (c-ares: sockets on the event
 * loop, cancelled at once). Not getaddrinfo: an abandoned getaddrinfo holds a thread-pool thread that
 * Node joins before the process may exit, so a resolver that never answers kept `get` alive for 10 s
 * after its answer, and Docker waits for the exit. These are the two sources Docker's own (Go) resolver
 * reads. What only the system resolver knows (mDNS, search domains for a one-label name) does not
 * resolve here: the session check is then skipped, and `get` answers with the stored secret, as for any
 * AppView that cannot be reached.
 */
export function cancellableLookup({
  hostsFile = '/etc/hosts',
  servers,
}: {hostsFile?: string; servers?: string[]} = {}): Resolve {
  return (hostname, options, callback) => {
    const wanted = familyOf(options.family)
    const fromHosts = hostsFileAddresses(hostname, hostsFile).filter(
      (entry) => wanted === 0 || entry.family === wanted,
    )
    if (fromHosts.length > 0) {
      process.nextTick(() => answer(callback, fromHosts, options.all))
      return
    }
    const resolver = new (dns().Resolver)()
    if (servers) resolver.setServers(servers)
    const families = wanted === 0 ? ([4, 6] as const) : ([wanted] as const)
    const results = new Map<4 | 6, LookupAddress[]>()
    let pending = families.length
    let firstError: NodeJS.ErrnoException | undefined
    let done = false
    for (const family of families) {
      const ask = family === 4 ? resolver.resolve4.bind(resolver) : resolver.resolve6.bind(resolver)
      ask(hostname, (error: NodeJS.ErrnoException | null, addresses: string[]) => {
        if (done) return
        if (error) firstError ??= error
        else
          results.set(
            family,
            addresses.map((address) => ({address, family})),
          )
        if (--pending > 0) return
        done = true
        const all = [...(results.get(4) ?? []), ...(results.get(6) ?? [])]
        if (all.length > 0) answer(callback, all, options.all)
        else callback(firstError ?? notFound(hostname), options.all ? [] : '')
      })
    }
    return () => {
      done = true
      resolver.cancel()
    }
  }
}

export interface ConnectLookupOptions {
  /** The lookup for names other than `localhost` (default: cancellableLookup with a deadline, else the system's). */
  resolve?: Resolve
  /** When (Date.now() time) to stop waiting for an answer and cancel the question: the caller's budget. */
  deadline?: number
}

/** The lookup to hand to node:http(s) (`lookup`) or got (`dnsLookup`). */
export function connectLookup({resolve, deadline}: ConnectLookupOptions = {}): LookupFunction {
  const lookup = resolve ?? (deadline === undefined ? systemLookup : cancellableLookup())
  return (hostname, rawOptions, rawCallback) => {
    const options = rawOptions as {family?: number | string; all?: boolean}
    const callback = rawCallback as Callback
    if (hostname.toLowerCase() === LOOPBACK_NAME) {
      const wanted = familyOf(options.family)
      const addresses: LookupAddress[] = []
      if (wanted !== 6) addresses.push({address: '127.0.0.1', family: 4})
      if (wanted !== 4) addresses.push({address: '::1', family: 6})
      process.nextTick(() => answer(callback, addresses, options.all))
      return
    }
    if (deadline === undefined) {
      lookup(hostname, options, callback)
      return
    }
    let settled = false
    let cancel: (() => void) | void = undefined
    const waitMs = Math.max(0, deadline - Date.now())
    const timer = setTimeout(() => {
      settled = true
      cancel?.()
      const error: NodeJS.ErrnoException = new Error(`${hostname} did not resolve within ${waitMs} ms`)
      error.code = 'ETIMEOUT'
      callback(error, options.all ? [] : '')
    }, waitMs)
    cancel = lookup(hostname, options, (error, address, family) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      callback(error, address, family)
    })
  }
}
