/**
 * The one rule for a device secret the helper keeps (issue 17), whether `store` received it from a
 * container client or the device flow from an AppView: the `atcr_device_` prefix (which redaction looks
 * for), then at least one character, none of them whitespace or a control character (C0, DEL, C1), and
 * not absurdly long. A secret that breaks it is never saved; the reason never quotes it.
 */
import {DEVICE_SECRET_PREFIX} from './product.ts'

/** Far longer than any secret an AppView issues (`atcr_device_` and 32 base64url characters). */
export const MAX_DEVICE_SECRET_LENGTH = 1024

// eslint-disable-next-line no-control-regex -- finding them is the point
const SPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f]/

/** Why `secret` is not a device secret, as a phrase after "the device secret …"; undefined when it is one. */
export function deviceSecretProblem(secret: string): string | undefined {
  if (!secret.startsWith(DEVICE_SECRET_PREFIX)) return `does not start with ${DEVICE_SECRET_PREFIX}`
  if (secret.length === DEVICE_SECRET_PREFIX.length) return `has nothing after ${DEVICE_SECRET_PREFIX}`
  if (SPACE_OR_CONTROL.test(secret)) return 'contains whitespace or control characters'
  if (secret.length > MAX_DEVICE_SECRET_LENGTH) return `is longer than ${MAX_DEVICE_SECRET_LENGTH} characters`
  return undefined
}

/** For a login the AppView approved: what is wrong with the secret it returned, as loginIdentityProblem words it. */
export function issuedSecretProblem(login: {deviceSecret: string}): string | undefined {
  const problem = deviceSecretProblem(login.deviceSecret)
  return problem && `the device secret it returned ${problem}`
}
