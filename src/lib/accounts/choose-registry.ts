/**
 * Which registry a people command acts on when the person did not name one (switch, logout; status
 * shows them all): the only registry with accounts; with several, a question at a terminal, else an
 * error that names them and the command to run.
 */
import type {AccountFile} from '../config/account-file.ts'
import {findRegistry, registriesWithAccounts, type RegistryMatch} from '../config/registry-entries.ts'
import {closestSpelling} from '../text/closest-spelling.ts'
import {BIN} from '../product.ts'
import type {Prompter} from '../prompts/prompter.ts'
import {AccountsError, noAccountsError} from './accounts-error.ts'

/** The registry a command uses when none is named and nothing else decides. */
export const DEFAULT_REGISTRY = 'atcr.io'

/**
 * The registry named by `registryHost` (it must hold accounts), else every registry with accounts
 * (at least one). `verb` is the command, for the message that tells the person what to run.
 */
export function registriesToChooseFrom(
  accounts: AccountFile,
  registryHost: string | undefined,
  verb: string,
): RegistryMatch[] {
  const all = registriesWithAccounts(accounts)
  if (registryHost !== undefined) {
    const match = findRegistry(accounts, registryHost)
    if (match && Object.keys(match.entry.accounts).length > 0) return [match]
    const elsewhere = all.map((registry) => registry.host)
    const saved = elsewhere.length > 0 ? `; saved: ${elsewhere.join(', ')}` : ''
    // A name close to a saved registry (`atcr.oi`) is a typo: the saved one is the next step, not a login.
    const typo = closestSpelling(registryHost, elsewhere)
    throw noAccountsError(
      typo
        ? `No accounts for ${registryHost}${saved}. Run: ${BIN} ${verb} ${typo}`
        : `No accounts for ${registryHost}${saved}. Log in first: ${BIN} login ${registryHost}`,
    )
  }
  if (all.length === 0) throw noAccountsError(`No accounts yet. Log in first: ${BIN} login`)
  return all
}

/** The usage error for several registries and no way to ask. */
export function severalRegistriesError(candidates: readonly RegistryMatch[], verb: string): AccountsError {
  const hosts = candidates.map((registry) => registry.host)
  return new AccountsError(
    `Accounts exist for several registries (${hosts.join(', ')}); name one with the REGISTRY argument: ${BIN} ${verb} ${hosts[0]}`,
    2,
  )
}

/**
 * The registry to act on: the named one, else the only one with accounts, else the person's choice
 * at a terminal (`prompter`), else a usage error naming them.
 */
export async function chooseRegistry(
  accounts: AccountFile,
  input: {registryHost?: string; prompter?: Prompter; verb: string; question: string},
): Promise<RegistryMatch> {
  const candidates = registriesToChooseFrom(accounts, input.registryHost, input.verb)
  if (candidates.length === 1) return candidates[0]!
  if (!input.prompter) throw severalRegistriesError(candidates, input.verb)
  const choice = await input.prompter.select(
    input.question,
    candidates.map((registry) => {
      const count = Object.keys(registry.entry.accounts).length
      return {value: registry.host, label: registry.host, hint: `(${count} account${count === 1 ? '' : 's'})`}
    }),
    {
      initial: candidates.some((registry) => registry.host === DEFAULT_REGISTRY)
        ? DEFAULT_REGISTRY
        : undefined,
    },
  )
  return candidates.find((registry) => registry.host === choice)!
}

/** How an account appears in a list (switch, logout): handle, then DID and the active marker. */
export function accountChoice(
  key: string,
  account: {handle: string; did: string},
  activeKey: string | undefined,
): {value: string; label: string; hint?: string} {
  const notes = [account.did, key === activeKey ? 'active' : ''].filter(Boolean)
  return {value: key, label: account.handle, hint: notes.length > 0 ? `(${notes.join(', ')})` : undefined}
}
