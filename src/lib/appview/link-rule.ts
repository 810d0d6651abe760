/**
 * The one rule for URLs an AppView hands out (`verification_uri`, `verification_uri_complete`,
 * `login_url`) before the helper prints or opens them (issue 11):
 *
 * - `https:` only — or `http:` when the AppView itself is spoken to over plain http, which
 *   appViewUrlFor allows only for a loopback or a configured-insecure registry;
 * - no user info (`https://user:pass@…` can disguise the real host), no control characters or spaces,
 *   at most MAX_SERVER_URL characters.
 *
 * Anything else is refused with a one-line reason; the caller then points the person at the AppView's
 * own address instead. Pure and dependency-free: the `get` path reads it through contract.ts.
 */
import {MAX_SERVER_URL, serverText, stripControls} from '../text/server-text.ts'

export type LinkCheck = {ok: true; url: string} | {ok: false; reason: string}

/** Whether plain `http:` links are acceptable from the AppView at this base URL. */
export function plainHttpAllowedFor(appViewUrl: string): boolean {
  try {
    return new URL(appViewUrl).protocol === 'http:'
  } catch {
    return false
  }
}

/** Check one URL from an AppView; `plainHttp` from plainHttpAllowedFor(the AppView's base URL). */
export function checkAppViewLink(raw: string, options: {plainHttp: boolean}): LinkCheck {
  const shown = serverText(raw, 80)
  const refuse = (why: string): LinkCheck => ({
    ok: false,
    reason: `refused the AppView's link ${JSON.stringify(shown)}: ${why}`,
  })
  if (raw.length > MAX_SERVER_URL) return refuse(`longer than ${MAX_SERVER_URL} characters`)
  if (stripControls(raw) !== raw || /\s/.test(raw)) return refuse('it contains control characters or spaces')
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return refuse('not a URL')
  }
  const allowed = options.plainHttp ? ['https:', 'http:'] : ['https:']
  if (!allowed.includes(url.protocol))
    return refuse(`scheme ${url.protocol} (only ${allowed.join(' or ')} links are opened or shown)`)
  if (url.username !== '' || url.password !== '') return refuse('it carries user info')
  return {ok: true, url: url.href}
}
