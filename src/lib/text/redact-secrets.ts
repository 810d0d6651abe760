/**
 * The one rule for echoing input back (error lines, stderr notes, ATCR_DEBUG lines of the protocol
 * verbs): anything that looks like a device secret, `atcr_device_` followed by anything up to a space or
 * a quote, becomes `atcr_device_…`, and the user info of an address (`https://user:secret@host`,
 * `user:secret@host`) becomes `…@`. A client may put a secret in any field, and its error lines end up in
 * terminals and CI logs.
 */
import {DEVICE_SECRET_PREFIX} from '../product.ts'

const DEVICE_SECRET = new RegExp(`${DEVICE_SECRET_PREFIX}(?:\\\\.|[^\\s"'\\\\])*`, 'gi')
/** `scheme://userinfo@` */
const URL_USER_INFO = /(\/\/)[^\s"'/@]+@/g
/** `user:secret@` at the start of a word or a quoted string */
const BARE_USER_INFO = /(^|[\s"'(=])[^\s"'/@:]*:[^\s"'/@]*@/g

export function redactSecrets(text: string): string {
  return text
    .replace(URL_USER_INFO, '$1…@')
    .replace(BARE_USER_INFO, '$1…@')
    .replace(DEVICE_SECRET, `${DEVICE_SECRET_PREFIX}…`)
}
