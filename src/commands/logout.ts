import {Flags} from '@oclif/core'

import {RegistryCommand} from '../base/registry-command.ts'
import {createAppViewClient} from '../lib/appview/client.ts'
import type {Account} from '../lib/config/account-file.ts'
import {activeAccount, findAccount, registriesWithAccounts} from '../lib/config/registry-entries.ts'
import {removeAccount} from '../lib/device-flow/account-changes.ts'
import {BIN} from '../lib/protocol/messages.ts'
import {enquirerPrompter, PromptCancelledError} from '../lib/prompts/prompter.ts'

export interface LogoutResult {
  registry: string
  /** Handle of the removed account. */
  removed: string
  /** Whether the AppView confirmed the device secret is revoked (best effort). */
  revoked: boolean
  /** Handle of the registry's active account now, or null. */
  active: string | null
}

const REVOKE_TIMEOUT_MS = 5000

export default class Logout extends RegistryCommand {
  static override summary = 'Remove an account from a registry and revoke its device secret.'
  static override description = `Asks for confirmation unless --yes. With several accounts and no --account, asks which one on a terminal (elsewhere, pass --account). The device secret is revoked on the registry where possible; the account is removed locally in any case. If it was the active account, another one becomes active and is named. Ctrl-C or Esc at a question exits with 130 and changes nothing.

--json prints {"registry","removed","revoked","active"} on stdout.`
  static override examples = [
    '<%= config.bin %> logout',
    '<%= config.bin %> logout atcr.io --account alice.bsky.social --yes',
  ]
  static override enableJsonFlag = true
  static override flags = {
    account: Flags.string({
      char: 'a',
      description: 'handle or DID of the account to log out',
      helpValue: 'HANDLE|DID',
    }),
    yes: Flags.boolean({char: 'y', description: 'do not ask for confirmation'}),
  }

  async run(): Promise<LogoutResult> {
    const {args, flags} = await this.parse(Logout)
    const host = this.registryHost(args.registry)
    const accounts = this.loadAccounts()
    const registry = this.findRegistry(accounts, host)
    const keys = Object.keys(registry?.entry.accounts ?? {})
    if (!registry || keys.length === 0) {
      const elsewhere = registriesWithAccounts(accounts).map((match) => match.host)
      this.error(
        `No accounts for ${host}; nothing to log out.` +
          (elsewhere.length > 0
            ? ` Accounts are saved for ${elsewhere.join(', ')}: ${BIN} logout ${elsewhere[0]}`
            : ''),
        {exit: 1},
      )
    }

    const {key, account} = await this.chooseAccount(host, registry.entry.accounts, flags.account)
    if (!flags.yes) {
      const question = `Log out ${account.handle} from ${host}?`
      if (!this.canPrompt()) this.requireFlagWhenNoTerminal(question, '--yes')
      const confirmed = await this.ask(() => enquirerPrompter().confirm(question, {initial: true}))
      if (!confirmed) this.error('Nothing was changed.', {exit: 1})
    }

    const client = createAppViewClient({
      baseUrl: await this.resolveAppViewUrl(host, account.appview_url),
      timeoutMs: REVOKE_TIMEOUT_MS,
    })
    const revoked = await client.revokeDevice({handle: account.handle, deviceSecret: account.device_secret})
    const change = this.updateAccounts((accounts) => {
      const removed = removeAccount(accounts, {host, key})
      const current = this.findRegistry(accounts, host)
      return {...removed, active: current ? (activeAccount(current.entry)?.account.handle ?? null) : null}
    })
    this.say(
      `Logged out ${account.handle} from ${host}${revoked ? '' : ' (the registry did not confirm the revocation; the secret was removed here)'}`,
    )
    if (change.newActive) this.say(`${change.active} is now the active account for ${host}.`)
    return {registry: host, removed: account.handle, revoked, active: change.active}
  }

  private async chooseAccount(
    host: string,
    accounts: Record<string, Account>,
    identity: string | undefined,
  ): Promise<{key: string; account: Account}> {
    if (identity) {
      const found = findAccount({accounts}, identity)
      if (!found)
        this.error(
          `${identity} is not an account of ${host}. Accounts: ${Object.values(accounts)
            .map((a) => a.handle)
            .join(', ')}`,
          {exit: 1},
        )
      return found
    }
    const keys = Object.keys(accounts).sort()
    if (keys.length === 1) return {key: keys[0]!, account: accounts[keys[0]!]!}
    const question = `Which account of ${host} to log out?`
    if (!this.canPrompt()) this.requireFlagWhenNoTerminal(question, '--account <handle>')
    const choice = await this.ask(() =>
      enquirerPrompter().select(
        question,
        keys.map((key) => ({
          value: key,
          label: accounts[key]!.handle,
          hint: accounts[key]!.did || undefined,
        })),
      ),
    )
    return {key: choice, account: accounts[choice]!}
  }

  /** A prompt's answer; Ctrl-C or Esc ends the command as `switch` does: exit 130, nothing changed. */
  private async ask<T>(question: () => Promise<T>): Promise<T> {
    try {
      return await question()
    } catch (error) {
      if (error instanceof PromptCancelledError) this.cancelled()
      throw error
    }
  }

  private cancelled(): never {
    return this.error('Cancelled; nothing changed.', {exit: 130})
  }
}
