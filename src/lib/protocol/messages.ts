/**
 * Texts that container clients match byte for byte (docker-credential-helpers' `credentials` package).
 * Changing one breaks clients: Docker, podman and skopeo fall back to anonymous access only on NOT_FOUND.
 */
import {BIN} from '../product.ts'

// For the protocol's own modules (verbs.ts, run-protocol-verb.ts); the name itself is src/lib/product.ts's.
export {BIN, DEVICE_SECRET_PREFIX} from '../product.ts'

export const CREDENTIALS_NOT_FOUND = 'credentials not found in native keychain'
export const MISSING_SERVER_URL = 'no credentials server URL'
export const MISSING_USERNAME = 'no credentials username'

export function multipleAccountsMessage(host: string): string {
  return `Multiple accounts for ${host}. Run: ${BIN} switch`
}
