/**
 * Registry server strings, as container clients hand them to the helper.
 *
 * Docker keys credHelpers by exact host, but on stdin a client may send `atcr.io`, `https://atcr.io/`,
 * `atcr.io:443`, `https://index.docker.io/v1/`, or any of these with spaces or a trailing newline.
 * Everything here maps such a string to one canonical host (`atcr.io`, `localhost:5000`, `[::1]:5000`)
 * so that every form finds the same registry.
 */

export class InvalidServerAddressError extends Error {
  constructor(reason: string) {
    super(`invalid registry server address: ${reason}`)
    this.name = 'InvalidServerAddressError'
  }
}

export interface ServerAddress {
  /** Canonical host[:port], lower-case, default port removed: what Docker uses as a credHelpers key. */
  host: string
  /** Host name or IP without port or brackets. */
  hostname: string
  /** Explicit non-default port, if any. */
  port?: number
  /** Scheme given in the input, if any. */
  scheme?: 'http' | 'https'
}

const MAX_ADDRESS_LENGTH = 2048
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/
const IPV6 = /^[0-9a-f:.]+(?:%[a-z0-9._-]+)?$/

function describe(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)
}

/** Parse any server form a client may send. Throws InvalidServerAddressError with a one-line reason. */
export function parseServerAddress(input: string): ServerAddress {
  const text = input.trim()
  if (text === '') throw new InvalidServerAddressError('empty')
  if (text.length > MAX_ADDRESS_LENGTH)
    throw new InvalidServerAddressError(`longer than ${MAX_ADDRESS_LENGTH} characters`)
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(text)) {
    throw new InvalidServerAddressError(`${describe(text)} contains spaces or control characters`)
  }

  let rest = text
  let scheme: ServerAddress['scheme']
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest)
  if (schemeMatch) {
    const name = schemeMatch[1]!.toLowerCase()
    if (name !== 'http' && name !== 'https') {
      throw new InvalidServerAddressError(
        `${describe(text)} uses scheme "${name}"; only http and https are registries`,
      )
    }
    scheme = name
    rest = rest.slice(schemeMatch[0].length)
  }

  const slash = rest.search(/[/?#]/)
  const authority = slash === -1 ? rest : rest.slice(0, slash)
  const path = slash === -1 ? '' : rest.slice(slash)
  if (path.split(/[/?#]/).some((segment) => segment === '..' || segment === '.')) {
    throw new InvalidServerAddressError(`${describe(text)} contains a relative path segment`)
  }
  if (authority.includes('@')) throw new InvalidServerAddressError(`${describe(text)} contains a user name`)
  if (authority === '') throw new InvalidServerAddressError(`${describe(text)} has no host`)

  let hostname: string
  let portText: string | undefined
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']')
    if (close === -1)
      throw new InvalidServerAddressError(`${describe(text)} has an unterminated IPv6 address`)
    hostname = authority.slice(1, close).toLowerCase()
    const after = authority.slice(close + 1)
    if (after !== '' && !after.startsWith(':'))
      throw new InvalidServerAddressError(`${describe(text)} is not host[:port]`)
    portText = after === '' ? undefined : after.slice(1)
    if (!IPV6.test(hostname) || !hostname.includes(':')) {
      throw new InvalidServerAddressError(`${describe(text)} has an invalid IPv6 address`)
    }
  } else {
    const parts = authority.split(':')
    if (parts.length > 2) {
      throw new InvalidServerAddressError(
        `${describe(text)}: write an IPv6 address in brackets, like [::1]:5000`,
      )
    }
    // One trailing dot is the DNS root (`atcr.io.` is `atcr.io`); anything more is not a host name.
    hostname = parts[0]!.toLowerCase().replace(/\.$/, '')
    portText = parts[1]
    if (!HOSTNAME.test(hostname))
      throw new InvalidServerAddressError(`${describe(text)} is not a valid host name`)
  }

  let port: number | undefined
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65_535) {
      throw new InvalidServerAddressError(`${describe(text)} has an invalid port`)
    }
    port = Number(portText)
    // Docker talks https on 443 unless told otherwise, so `atcr.io:443` is `atcr.io`.
    if ((port === 443 && scheme !== 'http') || (port === 80 && scheme === 'http')) port = undefined
  }

  const bracketed = hostname.includes(':') ? `[${hostname}]` : hostname
  return {host: port === undefined ? bracketed : `${bracketed}:${port}`, hostname, port, scheme}
}

/** Canonical host of a server string, or undefined when it is not a registry address at all. */
export function canonicalHost(input: string): string | undefined {
  try {
    return parseServerAddress(input).host
  } catch {
    return undefined
  }
}
