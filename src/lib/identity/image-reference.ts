/**
 * Find the ATCR identities a command line names for one registry host.
 *
 * Image references look like `host[:port]/<identity>/<repo>[:tag][@digest]`, where the identity is a
 * handle (`alice.bsky.social`) or a DID (`did:plc:xyz`, `did:web:example.com`: note the colons). They
 * appear bare (`docker pull …`), behind `docker://` (skopeo), as flag values (`-t …`, `--tag=…`, `-t…`),
 * inside buildx `key=value` lists (`--output type=image,name=…`), after global flags, and split across
 * `--registry H --namespace alice/features` (devcontainer).
 */
import {canonicalHost} from '../registry/server-address.ts'

const TRANSPORT_PREFIXES = ['docker://', '//']

/**
 * Longer arguments are skipped: an image reference is at most a few hundred characters, and a buildx
 * `key=value` list that holds one a few more. The cap keeps a hostile or huge command line from costing
 * `get` more than linear work over what is left.
 */
export const MAX_ARGUMENT_LENGTH = 4096

/**
 * The strings of one argument that may be an image reference: the argument itself, the value of a
 * `--flag=value` or `-t=value`, a value glued to a short flag (`-tatcr.io/alice/app`, as Go's pflag
 * allows), and the values of a `key=value,key=value` list (buildx `--output type=image,name=…`,
 * `--cache-to type=registry,ref=…`). Only a string that names the requested host counts later, so
 * looking at more of them costs nothing in precision.
 */
function candidateStrings(argument: string): Set<string> {
  const candidates = new Set([argument])
  const equals = argument.indexOf('=')
  if (argument.startsWith('-') && equals > 0) candidates.add(argument.slice(equals + 1))
  if (/^-[a-z][^-=]/i.test(argument)) candidates.add(argument.slice(2))
  for (const text of [...candidates]) {
    if (!text.includes(',') && !text.includes('=')) continue
    for (const piece of text.split(',')) {
      const value = piece.slice(piece.indexOf('=') + 1).replace(/^["']|["']$/g, '')
      if (value !== '') candidates.add(value)
    }
  }
  return candidates
}

function stripTransport(value: string): string {
  for (const prefix of TRANSPORT_PREFIXES) {
    if (value.toLowerCase().startsWith(prefix)) return value.slice(prefix.length)
  }
  return value
}

/** The identity segment of a reference: a handle, or a DID (whose colons are not a tag separator). */
function identityOf(segment: string): string | undefined {
  if (/^did:[a-z0-9]+:[a-z0-9._:%-]+$/i.test(segment)) return segment
  // Handles are DNS names: at least two labels.
  if (/^@?[a-z0-9](?:[a-z0-9-]{0,62})(?:\.[a-z0-9](?:[a-z0-9-]{0,62}))+$/i.test(segment))
    return segment.replace(/^@/, '')
  return undefined
}

/** The identity an image reference names for `host`, or undefined when it names none. */
export function identityInReference(reference: string, host: string): string | undefined {
  const value = stripTransport(reference.trim())
  const parts = value.split('/')
  if (parts.length < 3) return undefined // host/identity/repo at least
  const [hostPart, identityPart, repoPart] = parts as [string, string, string]
  if (repoPart === '' || hostPart === '' || canonicalHost(hostPart) !== host) return undefined
  return identityOf(identityPart)
}

/** The value of the first of `names` on the command line, unless it is over-long. */
function flagValue(argv: readonly string[], names: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!
    for (const name of names) {
      const value =
        argument === name
          ? argv[index + 1]
          : argument.startsWith(`${name}=`)
            ? argument.slice(name.length + 1)
            : undefined
      if (value !== undefined) return value.length > MAX_ARGUMENT_LENGTH ? undefined : value
    }
  }
  return undefined
}

/**
 * Every identity named for `host` in a command line, in order, duplicates included (callers decide
 * what two different ones mean). Arguments longer than MAX_ARGUMENT_LENGTH are skipped; the work is
 * linear in the size of the rest.
 */
export function identitiesInCommandLine(argv: readonly string[], host: string): string[] {
  const identities: string[] = []
  for (const argument of argv.slice(1)) {
    if (argument.length > MAX_ARGUMENT_LENGTH) continue
    for (const candidate of candidateStrings(argument)) {
      const identity = identityInReference(candidate, host)
      if (identity !== undefined) {
        identities.push(identity)
        break
      }
    }
  }
  // devcontainer features publish … --registry H --namespace alice.bsky.social/features
  const registry = flagValue(argv, ['--registry', '-r'])
  const namespace = flagValue(argv, ['--namespace', '-n'])
  if (registry !== undefined && namespace !== undefined && canonicalHost(registry) === host) {
    const identity = identityOf(namespace.split('/')[0] ?? '')
    if (identity !== undefined) identities.push(identity)
  }
  return identities
}
