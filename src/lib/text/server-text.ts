/**
 * The one rule for text that came from outside the process (an AppView's codes, URLs, handles and
 * messages) before it reaches a terminal, stderr or a protocol line (spec/appview-api.md, issue 11):
 *
 * - terminal escape sequences go whole: CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ST`, OSC 52 writes the
 *   clipboard), DCS/SOS/PM/APC strings, and any other `ESC x`; also their 8-bit forms (C1 CSI, OSC, …);
 * - every other control character goes too: C0 (tabs and line breaks become one space, so the text stays
 *   on one line), DEL, C1, and the Unicode bidi overrides and line/paragraph separators that can reorder
 *   or break what a person reads;
 * - anything that looks like a device secret (`atcr_device_…`) is replaced by `atcr_device_<redacted>`;
 * - the result is capped at `maxLength` characters (an ellipsis marks the cut).
 *
 * Pure and dependency-free: the `get` path uses it (through src/lib/appview/contract.ts).
 */

/** Default cap for a line of server text: a message, a code, a handle. */
export const MAX_SERVER_TEXT = 300
/** Cap for a URL from the AppView (login_url, verification URIs). */
export const MAX_SERVER_URL = 2048

/** `atcr_device_` and what follows up to a separator that cannot be part of a secret. */
const DEVICE_SECRET = /atcr_device_[^\s"'`<>,;:&|\\]*/gi

// 7-bit and 8-bit introducers: ESC [ (CSI) = \x9b; ESC ] (OSC) = \x9d; ESC P (DCS) = \x90;
// ESC X (SOS) = \x98; ESC ^ (PM) = \x9e; ESC _ (APC) = \x9f. Strings end at BEL or ST (ESC \ or \x9c),
// or run to the end of the text when never terminated.
/* eslint-disable no-control-regex -- matching control characters is the point of this module */
const STRING_SEQUENCE = /(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?/g
const CSI_SEQUENCE = /(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?/g
const OTHER_ESCAPE = /\x1b[\x20-\x2f]*[\x30-\x7e]?/g
const LINE_BREAKS = /[\t\n\v\f\r\x85\u2028\u2029]+/g
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
/* eslint-enable no-control-regex */

/** Escape sequences and control characters removed, line breaks folded into one space. Not trimmed. */
export function stripControls(text: string): string {
  return text
    .replace(STRING_SEQUENCE, '')
    .replace(CSI_SEQUENCE, '')
    .replace(OTHER_ESCAPE, '')
    .replace(LINE_BREAKS, ' ')
    .replace(CONTROLS, '')
}

/** Device secrets in a text replaced by `atcr_device_<redacted>`. */
export function redactDeviceSecrets(text: string): string {
  return text.replace(DEVICE_SECRET, 'atcr_device_<redacted>')
}

/** Cut to `maxLength` characters (code points, so no half surrogate pair), with `…` marking the cut. */
export function capLength(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text
  const points = Array.from(text)
  if (points.length <= maxLength) return text
  return `${points.slice(0, Math.max(0, maxLength - 1)).join('')}…`
}

/**
 * Server text made safe to show: one line, no escapes or controls, no device secret, at most
 * `maxLength` characters, trimmed.
 */
export function serverText(text: string, maxLength = MAX_SERVER_TEXT): string {
  // Cap the raw input first too, so a huge field costs little work.
  const bounded = text.length > maxLength * 8 ? text.slice(0, maxLength * 8) : text
  return capLength(redactDeviceSecrets(stripControls(bounded)).replace(/ {2,}/g, ' ').trim(), maxLength)
}
