/**
 * Which account `get` answers with, never asking anyone (issue #2, "Account resolution"):
 *   1. ATCR_ACCOUNT in the environment (explicit beats inferred);
 *   2. the image references in the client's command line (or a shell/shim's parent's); failing that,
 *      the account a trusted plugin read from it (src/lib/plugins/get-with-plugins.ts);
 *   3. the registry's active account;  4. its only account;
 *   5. otherwise: ambiguous, and the caller tells the person to run `switch`.
 */
import type {Account, RegistryEntry} from '../config/account-file.ts'
import {activeAccount, findAccount} from '../config/registry-entries.ts'
import {identitiesInCommandLine} from './image-reference.ts'
import type {ProcessInfo} from './parent-command-line.ts'

export type ResolutionRule =
  'ATCR_ACCOUNT' | 'command line' | `plugin ${string}` | 'active account' | 'only account'

export type Resolution =
  | {outcome: 'chosen'; account: Account; key: string; rule: ResolutionRule; reason: string}
  | {outcome: 'no accounts'}
  | {outcome: 'ambiguous'; accountCount: number}

export interface PluginChoice {
  plugin: string
  /** The account key it matched. */
  key: string
  /** Where it read it, for ATCR_DEBUG. */
  reason: string
}

export interface ResolveAccountInput {
  /** Canonical host the client asked about. */
  host: string
  entry: RegistryEntry | undefined
  /** Value of ATCR_ACCOUNT, if set. */
  requestedIdentity?: string
  /** Ancestor command lines, nearest first; consumed lazily. */
  ancestors: Iterable<ProcessInfo>
  /** The account a trusted plugin's hook read from an ancestor's command line, if any. */
  pluginChoice?: PluginChoice
  /** Called with one line per decision, for ATCR_DEBUG. Never given a secret. */
  explain?: (line: string) => void
}

function accountFromCommandLines(input: ResolveAccountInput, entry: RegistryEntry) {
  for (const ancestor of input.ancestors) {
    const identities = identitiesInCommandLine(ancestor.argv, input.host)
    const known = new Map<string, {key: string; account: Account; identity: string}>()
    for (const identity of identities) {
      const found = findAccount(entry, identity)
      if (found) known.set(found.key, {...found, identity})
    }
    const program = ancestor.argv[0] ?? '?'
    if (known.size === 1) {
      const [match] = known.values()
      return {
        ...match!,
        reason: `process ${ancestor.pid} (${program}) names ${input.host}/${match!.identity}/…`,
      }
    }
    if (known.size > 1) {
      input.explain?.(
        `process ${ancestor.pid} (${program}) names ${known.size} accounts for ${input.host} (${[...known.keys()].join(', ')}): ambiguous, not using it`,
      )
      return undefined
    }
    input.explain?.(
      identities.length > 0
        ? `process ${ancestor.pid} (${program}) names only unknown identities for ${input.host}: ${identities.join(', ')}`
        : `process ${ancestor.pid} (${program}) names no image on ${input.host}`,
    )
  }
  return undefined
}

export function resolveAccount(input: ResolveAccountInput): Resolution {
  const {entry, explain} = input
  const keys = entry ? Object.keys(entry.accounts) : []
  if (!entry || keys.length === 0) return {outcome: 'no accounts'}

  if (input.requestedIdentity) {
    const found = findAccount(entry, input.requestedIdentity.trim())
    if (found) {
      return {
        outcome: 'chosen',
        ...found,
        rule: 'ATCR_ACCOUNT',
        reason: `ATCR_ACCOUNT=${input.requestedIdentity}`,
      }
    }
    explain?.(`ATCR_ACCOUNT=${input.requestedIdentity} is not an account of ${input.host}; ignoring it`)
  }

  const fromCommandLine = accountFromCommandLines(input, entry)
  if (fromCommandLine) {
    const {key, account, reason} = fromCommandLine
    return {outcome: 'chosen', key, account, rule: 'command line', reason}
  }

  const {pluginChoice} = input
  if (pluginChoice && Object.hasOwn(entry.accounts, pluginChoice.key)) {
    const {plugin, key, reason} = pluginChoice
    return {outcome: 'chosen', key, account: entry.accounts[key]!, rule: `plugin ${plugin}`, reason}
  }

  const active = activeAccount(entry)
  if (active)
    return {outcome: 'chosen', ...active, rule: 'active account', reason: `${input.host} has it active`}
  if (entry.active) explain?.(`the active account "${entry.active}" of ${input.host} no longer exists`)

  if (keys.length === 1) {
    const key = keys[0]!
    return {
      outcome: 'chosen',
      key,
      account: entry.accounts[key]!,
      rule: 'only account',
      reason: `it is the only account of ${input.host}`,
    }
  }
  return {outcome: 'ambiguous', accountCount: keys.length}
}
