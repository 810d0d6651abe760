/**
 * Where releases are published (the "release host"; its layout is in release-manifest.ts). The host is, first found:
 *   1. `ATCR_UPDATE_HOST` (mirrors, tests);
 *   2. the host this copy was installed from (install.sh writes it to `<dataDir>/release-host`);
 *   3. `oclif.update.s3.host` in package.json, the documented default.
 * Only `https:` hosts are used, and `http:` on a loopback address (a local mirror, tests).
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'

export const RELEASE_HOST_ENV = 'ATCR_UPDATE_HOST'
/** Written by the installers into the data directory: the host the copy came from. */
export const INSTALLED_FROM_FILE = 'release-host'

export function releaseHost(
  env: NodeJS.ProcessEnv,
  configured: string | undefined,
  dataDir?: string,
): string | undefined {
  const fromEnv = env[RELEASE_HOST_ENV]?.trim()
  return fromEnv || (dataDir ? installedFrom(dataDir) : undefined) || configured || undefined
}

/** The release host recorded by the installer, if any. */
export function installedFrom(dataDir: string): string | undefined {
  try {
    const text = readFileSync(path.join(dataDir, INSTALLED_FROM_FILE), 'utf8').trim()
    return text.length > 0 && text.length < 2048 && !/\s/.test(text) ? text : undefined
  } catch {
    return undefined
  }
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host)
}

/** Why `host` may not be used as a release host, or undefined when it may. */
export function releaseHostRefusal(host: string): string | undefined {
  let url: URL
  try {
    url = new URL(host)
  } catch {
    return `the release host "${host.slice(0, 200)}" is not a URL`
  }
  if (url.username || url.password) return 'the release host URL must not carry a user name or password'
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined
  return `the release host ${url.origin} is not https (plain http is accepted only on a loopback address)`
}

export function hostUrl(host: string, key: string): string {
  return `${host.replace(/\/+$/, '')}/${key}`
}
