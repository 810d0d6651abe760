import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {RegistryCommand} from '../base/registry-command.ts'
import {STORAGES} from '../lib/config/account-file.ts'
import {type MoveSecretsResult, moveSecrets} from '../lib/accounts/move-secrets.ts'
import {KEYCHAIN_PEOPLE_BUDGET_MS, openKeychain} from '../lib/secret-store/secret-store.ts'

export default class Storage extends RegistryCommand {
  static override summary = 'Move device secrets between the account file and the OS keychain.'
  static override description = `"storage keychain" moves the secrets of saved accounts into the OS keychain (macOS Keychain, Windows Credential Manager, the Secret Service on Linux); "storage file" moves them back into the account file (~/.atcr/device.json). Every account of every registry, unless REGISTRY or --account narrows it.

A secret moves only once its new place holds it: into the keychain, it is stored and read back before the file (and any backup beside it) drops it; into the file, it is written before the keychain item is deleted. A keychain that is missing, locked or refuses stops the command with one line; nothing falls back to the file. See docs/keychain.md.

--json prints {"moved": [{"registry","handle","from","to"}], "unchanged": […], "leftInKeychain": [{"registry","handle","reason"}]}; never a secret.`
  static override examples = [
    '<%= config.bin %> storage keychain',
    '<%= config.bin %> storage file atcr.io --account alice.bsky.social',
  ]
  static override enableJsonFlag = true
  static override args = {
    to: Args.string({description: 'where the secrets go', options: [...STORAGES], required: true}),
    ...RegistryCommand.args,
  }
  static override flags = {
    account: Flags.string({
      char: 'a',
      description: 'handle or DID of the one account to move',
      helpValue: 'HANDLE|DID',
    }),
  }

  async run(): Promise<MoveSecretsResult> {
    const {args, flags} = await this.parse(Storage)
    const to = args.to as (typeof STORAGES)[number]
    const result = await moveSecrets({
      to,
      registryHost: args.registry === undefined ? undefined : this.registryHost(args.registry),
      account: flags.account,
      accounts: this.accountStore,
      keychain: () => openKeychain({budgetMs: KEYCHAIN_PEOPLE_BUDGET_MS}),
    })
    const where = to === 'keychain' ? 'the OS keychain' : 'the account file'
    for (const change of result.moved)
      this.say(`Moved the secret of ${change.handle} on ${change.registry} to ${where}`)
    for (const change of result.unchanged)
      this.say(`${change.handle} on ${change.registry}: its secret is in ${where} already`)
    for (const left of result.leftInKeychain)
      this.say(
        `Warning: the keychain item of ${left.handle} on ${left.registry} could not be deleted (${left.reason}); the account file holds the secret now`,
      )
    return result
  }
}
