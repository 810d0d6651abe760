/**
 * Release documents (channel manifests, version manifests, the version index) are signed with the
 * project's Ed25519 release key: `<document>` holds the exact JSON bytes, `<document>.sig` one line of
 * base64 — the Ed25519 signature of those bytes. A copy installed from a release carries the public key
 * (RELEASE_KEY_FILE at its root) and trusts a document only when the signature verifies with it.
 * Node's own crypto does Ed25519; the installer (install.sh) verifies the same bytes with openssl.
 */
import {createPrivateKey, createPublicKey, sign, verify, type KeyObject} from 'node:crypto'

/** The public key's file name at the root of a packaged release. */
export const RELEASE_KEY_FILE = 'release-key.pub.pem'
export const SIGNATURE_SUFFIX = '.sig'

export function signDocument(bytes: Uint8Array, privateKeyPem: string): string {
  const key = createPrivateKey(privateKeyPem)
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the release key is not an Ed25519 key')
  return `${sign(null, bytes, key).toString('base64')}\n`
}

export function publicKeyPemOf(privateKeyPem: string): string {
  return createPublicKey(createPrivateKey(privateKeyPem)).export({type: 'spki', format: 'pem'}).toString()
}

function ed25519PublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem)
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the release public key is not an Ed25519 key')
  return key
}

/** Whether `signature` (the text of a `.sig` file) is a valid signature of `bytes` by `publicKeyPem`. */
export function verifyDocument(bytes: Uint8Array, signature: string, publicKeyPem: string): boolean {
  const text = signature.trim()
  if (!/^[A-Za-z0-9+/]{86}==$/.test(text)) return false // an Ed25519 signature is 64 bytes
  try {
    return verify(null, bytes, ed25519PublicKey(publicKeyPem), Buffer.from(text, 'base64'))
  } catch {
    return false
  }
}
