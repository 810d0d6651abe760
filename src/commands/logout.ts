import * as Flags from '@oclif/core/flags'

import {RegistryCommand} from '../base/registry-command.ts'
import {type LogoutResult, logoutAccount} from '../lib/accounts/logout-account.ts'

export type {LogoutResult} from '../lib/accounts/logout-account.ts'

const REVOKE_TIMEOUT_MS = 5000

export default class Logout extends RegistryCommand {
  static override summary = 'Remove an account from a registry and revoke its device secret.'
  static override description = `Without REGISTRY, uses the only registry with accounts (with several, asks on a terminal; elsewhere, name one). With several accounts and no --account, asks which one on a terminal (elsewhere, pass --account). Asks for confirmation unless --yes; the answer defaults to No.

The account file is checked first (the directory writable, the lock free): when it cannot be changed, nothing is revoked. Then the device secret is revoked at the account's own AppView where possible, and the account is removed; so is the secret from any backup the helper kept beside the file (device.json.bak). If it was the active account, another one becomes active and is named. Ctrl-C or Esc at a question exits with 130 and changes nothing.

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
    const logout = await logoutAccount({
      registryHost: args.registry === undefined ? undefined : this.registryHost(args.registry),
      account: flags.account,
      yes: flags.yes,
      prompter: this.prompter(),
      store: this.accountStore,
      revoke: async (host, account, deviceSecret) =>
        (
          await this.appViewClient(host, {
            accountAppViewUrl: account.appview_url,
            timeoutMs: REVOKE_TIMEOUT_MS,
          })
        ).revokeDevice({handle: account.handle, deviceSecret}),
    })
    if (logout.outcome === 'declined') {
      // Declining is an answer, not an error: a plain line and exit 1.
      this.say('Nothing was changed.')
      this.exit(1)
    }

    const {result} = logout
    this.say(
      `Logged out ${result.removed} from ${result.registry}${result.revoked ? '' : ' (the registry did not confirm the revocation; the secret was removed here)'}`,
    )
    for (const name of logout.scrubbedBackups) this.say(`Removed its secret from the backup ${name} too.`)
    if (logout.backupProblem)
      this.say(
        `Warning: the backup beside the account file may still hold its secret: ${logout.backupProblem}`,
      )
    if (logout.keychainProblem)
      this.say(
        `Warning: its OS keychain item could not be deleted (${logout.keychainProblem}); remove it with your keychain's own tool.`,
      )
    if (logout.newActive) this.say(`${logout.newActive} is now the active account for ${result.registry}.`)
    return result
  }
}
