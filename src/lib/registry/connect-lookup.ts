/**
 * How an AppView's host name becomes the address the helper connects to (issue 17), for the `get`
 * check (src/lib/session-check/check-secret-lean.ts) and the people commands' client (src/lib/appview):
 *
 * - `localhost` is loopback by its definition, so appViewUrlFor lets it speak plain http: it is connected
 *   to 127.0.0.1 (or ::1) directly, never through /etc/hosts or DNS, whose answer could be any machine.
 *   No other name is loopback by its name (`registry.localhost` is resolved like any name, and gets https);
 * - every other name goes to the system resolver (getaddrinfo: /etc/hosts, DNS, mDNS as the machine is
 *   set up), and with a deadline the answer is waited for only until then. getaddrinfo itself cannot be
 *   cancelled: a `get` whose resolver never answers exits once its answer is written (src/entry.ts).
 */
import type {LookupAddress} from 'node:dns'
import type {LookupFunction} from 'node:net'

/** The one name that is loopback by its name (spec/appview-api.md, "Base URL of a registry"). */
export const LOOPBACK_NAME = 'localhost'

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

const systemLookup: LookupFunction = (hostname, options, callback) =>
  process.getBuiltinModule('node:dns').lookup(hostname, options, callback)

export interface ConnectLookupOptions {
  /** The resolver for names other than `localhost` (default: the system's); tests pass their own. */
  resolve?: LookupFunction
  /** When (Date.now() time) to stop waiting for an answer: the caller's budget. */
  deadline?: number
}

/** The lookup to hand to node:http(s) (`lookup`) or got (`dnsLookup`). */
export function connectLookup({resolve = systemLookup, deadline}: ConnectLookupOptions = {}): LookupFunction {
  return (hostname, options, callback: LookupCallback) => {
    const {family, all} = options as {family?: number | string; all?: boolean}
    if (hostname.toLowerCase() === LOOPBACK_NAME) {
      const wanted = family === 6 || family === 'IPv6' ? 6 : family === 4 || family === 'IPv4' ? 4 : 0
      const addresses: LookupAddress[] = []
      if (wanted !== 6) addresses.push({address: '127.0.0.1', family: 4})
      if (wanted !== 4) addresses.push({address: '::1', family: 6})
      process.nextTick(() =>
        all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family),
      )
      return
    }
    if (deadline === undefined) {
      resolve(hostname, options, callback as Parameters<LookupFunction>[2])
      return
    }
    let settled = false
    const waitMs = Math.max(0, deadline - Date.now())
    const timer = setTimeout(() => {
      settled = true
      const error: NodeJS.ErrnoException = new Error(`${hostname} did not resolve within ${waitMs} ms`)
      error.code = 'ETIMEOUT'
      callback(error, all ? [] : '')
    }, waitMs)
    resolve(hostname, options, ((
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      ipFamily?: number,
    ) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      callback(error, address, ipFamily)
    }) as Parameters<LookupFunction>[2])
  }
}
