/**
 * `switch`: which registry and which account become active, decided from the account file, a flag, or a
 * question; then one locked write (issue #3, "switch").
 *
 *   registry: the one named, else the only registry with accounts, else atcr.io if it has accounts,
 *             else fail listing the registries.
 *   account:  the one `--account` names (handle or DID); else with two accounts the other one; with more
 *             a question (only when a prompter is given, that is at a terminal); with one, nothing to do.
 */
import type {AccountFile} from '../config/account-file.ts'
import {activeAccount, findAccount, findRegistry, type RegistryMatch} from '../config/registry-entries.ts'
import {BIN} from '../product.ts'
import type {Prompter} from '../prompts/prompter.ts'
import {AccountsError} from './accounts-error.ts'
import {
  accountChoice,
  DEFAULT_REGISTRY,
  registriesToChooseFrom,
  severalRegistriesError,
} from './choose-registry.ts'

/** What `switch --json` prints. Handles only: never a secret. */
export interface SwitchResult {
  /** Canonical host, `atcr.io`. */
  registry: string
  /** Handle of the account active now. */
  active: string
  /** Handle of the account active before, or null when none was. */
  previous: string | null
  /** False when the chosen account was already active (or was the only one). */
  changed: boolean
}

/** A reason `switch` cannot go on (the error every account command throws). */
export {AccountsError as SwitchError} from './accounts-error.ts'

export interface SwitchInput {
  /** Canonical host of the REGISTRY argument, if one was given. */
  registryHost?: string
  /** The `--account` flag: a handle or a DID. */
  account?: string
  /** Present only when a person can answer at a terminal. */
  prompter?: Prompter
  /** The accounts as they are now (read without a lock). */
  load: () => AccountFile
  /** Locked read-modify-write of the latest accounts. */
  update: <T>(change: (accounts: AccountFile) => T) => T
}

/**
 * The registry `switch` acts on: as every account command chooses (src/lib/accounts/choose-registry.ts),
 * except that with several registries it takes atcr.io without asking: switching is harmless and
 * undone by switching back, where logging out is not.
 */
export function chooseSwitchRegistry(accounts: AccountFile, registryHost?: string): RegistryMatch {
  const candidates = registriesToChooseFrom(accounts, registryHost, 'switch')
  if (candidates.length === 1) return candidates[0]!
  const preferred = candidates.find((registry) => registry.host === DEFAULT_REGISTRY)
  if (preferred) return preferred
  throw severalRegistriesError(candidates, 'switch')
}

function describeAccounts(match: RegistryMatch): string {
  return Object.values(match.entry.accounts)
    .map((account) => (account.did ? `${account.handle} (${account.did})` : account.handle))
    .join(', ')
}

/** The key of the account to make active, or undefined when there is nothing to switch to. */
async function chooseAccountKey(match: RegistryMatch, input: SwitchInput): Promise<string | undefined> {
  const keys = Object.keys(match.entry.accounts)
  const current = activeAccount(match.entry)?.key

  if (input.account !== undefined) {
    const found = findAccount(match.entry, input.account)
    if (!found) {
      throw new AccountsError(
        `No account ${JSON.stringify(input.account)} for ${match.host}. Known accounts: ${describeAccounts(match)}. To add it: ${BIN} login ${match.host}`,
      )
    }
    return found.key
  }
  if (keys.length === 1) return undefined
  if (keys.length === 2 && current !== undefined) return keys.find((key) => key !== current)

  if (!input.prompter) {
    throw new AccountsError(
      `${match.host} has ${keys.length} accounts (${describeAccounts(match)}) — cannot ask which one without a terminal. Pass --account HANDLE|DID, for example: ${BIN} switch ${match.host} --account ${match.entry.accounts[keys[0]!]!.handle}`,
      2,
    )
  }
  const choices = keys.map((key) => accountChoice(key, match.entry.accounts[key]!, current))
  return input.prompter.select(`Which account should ${match.host} use?`, choices, {initial: current})
}

export type SwitchOutcome = 'switched' | 'already active' | 'only account'

/** Decide, ask if needed, and write. The write re-reads the latest file under the lock. */
export async function switchAccount(
  input: SwitchInput,
): Promise<{outcome: SwitchOutcome; result: SwitchResult}> {
  const match = chooseSwitchRegistry(input.load(), input.registryHost)
  const previous = activeAccount(match.entry)
  const chosenKey = await chooseAccountKey(match, input)

  if (chosenKey === undefined) {
    // One account: nothing to choose. Report it as it stands.
    const only = Object.values(match.entry.accounts)[0]!
    const result = {
      registry: match.host,
      active: only.handle,
      previous: previous?.account.handle ?? null,
      changed: false,
    }
    return {outcome: 'only account', result}
  }

  return input.update((accounts) => {
    const latest = findRegistry(accounts, match.host)
    const account = latest?.entry.accounts[chosenKey]
    if (!latest || !account) {
      throw new AccountsError(
        `The account ${chosenKey} for ${match.host} was removed while switching; nothing changed. Run: ${BIN} status`,
      )
    }
    const before = activeAccount(latest.entry)
    latest.entry.active = chosenKey
    const changed = before?.key !== chosenKey
    const result = {
      registry: match.host,
      active: account.handle,
      previous: before?.account.handle ?? null,
      changed,
    }
    return {outcome: changed ? 'switched' : 'already active', result}
  })
}
