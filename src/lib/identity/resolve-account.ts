/**
 * Which account `get` answers with, never asking anyone (issue #2, "Account resolution"):
 *   1. ATCR_ACCOUNT in the environment (explicit beats inferred);
 *   2. the image references in the client's command line (or a shell/shim's parent's); failing that,
 *      the account a trusted plugin read from it (src/lib/plugins/get-with-plugins.ts);
 *   3. the registry's active account;  4. its only account;
 *   5. otherwise: ambiguous, and the caller tells the person to run `switch`.
 * An ATCR_ACCOUNT that names no account here falls through when it names one of another registry (a
 * build may pull from a second registry), and is refused when it names no account anywhere: a typo must
 * not silently send another identity's credentials.
 */
import type {Account, RegistryEntry} from '../config/account-file.ts'
import {accountSpread, activeAccount, findAccount, onlyAccount} from '../config/registry-entries.ts'
import {identitiesInCommandLine} from './image-reference.ts'
import type {ProcessInfo} from './parent-command-line.ts'

export type ResolutionRule =
  'ATCR_ACCOUNT' | 'command line' | `plugin ${string}` | 'active account' | 'only account'

export type Resolution =
  | {outcome: 'chosen'; account: Account; key: string; rule: ResolutionRule; reason: string}
  | {outcome: 'no accounts'}
  | {outcome: 'ambiguous'; accountCount: number}
  /**
   * ATCR_ACCOUNT names no account on any registry. `candidates`: this registry's handles within a few
   * edits of it (`close`), nearest first, or else its first few handles and how many `more` there are.
   */
  | {outcome: 'unknown ATCR_ACCOUNT'; requested: string; candidates: string[]; close: boolean; more: number}

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
  /**
   * The other registries of the account file, read only when ATCR_ACCOUNT names no account here. Without
   * it, such an ATCR_ACCOUNT falls through.
   */
  otherRegistries?: () => Iterable<{host: string; entry: RegistryEntry}>
  /** Ancestor command lines, nearest first; consumed lazily. */
  ancestors: Iterable<ProcessInfo>
  /** The account a trusted plugin's hook read from an ancestor's command line, if any. */
  pluginChoice?: PluginChoice
  /**
   * Called with one line per decision, for ATCR_DEBUG. Never given a secret. Without it nobody asks why,
   * and a registry with one account does not look at the ancestors at all (resolveByBuiltInRules).
   */
  explain?: (line: string) => void
}

function accountFromCommandLines(input: ResolveAccountInput, entry: RegistryEntry) {
  for (const ancestor of input.ancestors) {
    const identities = identitiesInCommandLine(ancestor.argv, input.host)
    const known = new Map<string, {key: string; account: Account; identity: string}>()
    for (const identity of new Set(identities)) {
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
        ? `process ${ancestor.pid} (${program}) names only unknown identities for ${input.host}: ${[...new Set(identities)].slice(0, 5).join(', ')}`
        : `process ${ancestor.pid} (${program}) names no image on ${input.host}`,
    )
  }
  return undefined
}

export function resolveAccount(input: ResolveAccountInput): Resolution {
  const builtIn = resolveByBuiltInRules(input)
  return input.pluginChoice ? withPluginChoice(builtIn, input.entry, input.pluginChoice) : builtIn
}

/**
 * Whether a trusted plugin's choice would count: when the built-in rules found no explicit choice
 * (ATCR_ACCOUNT, the command line) and fell back to the active or only account, or gave up.
 */
export function pluginMayChoose(resolution: Resolution): boolean {
  if (resolution.outcome === 'ambiguous') return true
  return (
    resolution.outcome === 'chosen' &&
    (resolution.rule === 'active account' || resolution.rule === 'only account')
  )
}

/** The resolution once a trusted plugin named an account (see pluginMayChoose). */
export function withPluginChoice(
  resolution: Resolution,
  entry: RegistryEntry | undefined,
  choice: PluginChoice,
): Resolution {
  if (!entry || !pluginMayChoose(resolution) || !Object.hasOwn(entry.accounts, choice.key)) return resolution
  const {plugin, key, reason} = choice
  return {outcome: 'chosen', key, account: entry.accounts[key]!, rule: `plugin ${plugin}`, reason}
}

function resolveByBuiltInRules(input: ResolveAccountInput): Resolution {
  const {entry, explain} = input
  // Not Object.keys(entry.accounts): a large registry then parses every account (account-index.ts).
  const spread = entry ? accountSpread(entry) : 0
  if (!entry || spread === 0) return {outcome: 'no accounts'}

  const requested = input.requestedIdentity?.trim()
  if (requested) {
    const found = findAccount(entry, requested)
    if (found) {
      return {outcome: 'chosen', ...found, rule: 'ATCR_ACCOUNT', reason: `ATCR_ACCOUNT=${requested}`}
    }
    const elsewhere = input.otherRegistries && registryNaming(input.otherRegistries(), requested, input.host)
    if (input.otherRegistries && !elsewhere) {
      return {outcome: 'unknown ATCR_ACCOUNT', requested, ...nearestAccounts(entry, requested)}
    }
    explain?.(
      elsewhere
        ? `ATCR_ACCOUNT=${requested} is an account of ${elsewhere}, not of ${input.host}; choosing by the other rules here`
        : `ATCR_ACCOUNT=${requested} is not an account of ${input.host}; ignoring it`,
    )
  }

  // With one account the command line cannot change the answer: an identity it names is that account,
  // or an unknown one, which falls back to it below. Reading it (/proc, image references) then serves
  // only to explain.
  const fromCommandLine = spread > 1 || explain ? accountFromCommandLines(input, entry) : undefined
  if (fromCommandLine) {
    const {key, account, reason} = fromCommandLine
    return {outcome: 'chosen', key, account, rule: 'command line', reason}
  }

  const active = activeAccount(entry)
  if (active)
    return {outcome: 'chosen', ...active, rule: 'active account', reason: `${input.host} has it active`}
  if (entry.active) explain?.(`the active account "${entry.active}" of ${input.host} no longer exists`)

  const only = spread === 1 ? onlyAccount(entry) : undefined
  if (only) {
    return {
      outcome: 'chosen',
      ...only,
      rule: 'only account',
      reason: `it is the only account of ${input.host}`,
    }
  }
  return {outcome: 'ambiguous', accountCount: Object.keys(entry.accounts).length}
}

/** The first other registry where `identity` names an account. */
function registryNaming(
  registries: Iterable<{host: string; entry: RegistryEntry}>,
  identity: string,
  host: string,
): string | undefined {
  for (const registry of registries) {
    if (registry.host !== host && findAccount(registry.entry, identity)) return registry.host
  }
  return undefined
}

const MAX_CANDIDATES = 5

/**
 * The handles a mistyped identity could mean: those within a few edits of it, nearest first; failing
 * that, the registry's first few handles. Linear in the number of accounts (a bounded distance each).
 */
function nearestAccounts(
  entry: RegistryEntry,
  identity: string,
): {candidates: string[]; close: boolean; more: number} {
  const wanted = identity.toLowerCase().replace(/^@/, '')
  const limit = Math.max(2, Math.floor(wanted.length / 4))
  const scored: {handle: string; distance: number}[] = []
  for (const account of Object.values(entry.accounts)) {
    const distance = boundedEditDistance(wanted, account.handle.toLowerCase(), limit)
    if (distance <= limit) scored.push({handle: account.handle, distance})
  }
  if (scored.length > 0) {
    scored.sort((a, b) => a.distance - b.distance || a.handle.localeCompare(b.handle))
    return {candidates: scored.slice(0, MAX_CANDIDATES).map(({handle}) => handle), close: true, more: 0}
  }
  const handles = Object.values(entry.accounts).map(({handle}) => handle)
  return {
    candidates: handles.slice(0, MAX_CANDIDATES),
    close: false,
    more: Math.max(0, handles.length - MAX_CANDIDATES),
  }
}

/** Levenshtein distance of a and b, or limit + 1 as soon as it must exceed limit. */
function boundedEditDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  let previous = Array.from({length: b.length + 1}, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let rowMinimum = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
      current.push(value)
      rowMinimum = Math.min(rowMinimum, value)
    }
    if (rowMinimum > limit) return limit + 1
    previous = current
  }
  return previous[b.length]!
}
