import * as Flags from '@oclif/core/flags'

import {RegistryCommand} from '../base/registry-command.ts'
import {type SwitchResult, switchAccount} from '../lib/accounts/switch-account.ts'
import {BIN} from '../lib/product.ts'

export default class Switch extends RegistryCommand {
  static override summary = 'Choose which account a registry uses by default.'
  static override description = `With two accounts, switch to the other one; with more, pick one from a list (or name it with --account).
The active account is the one Docker gets when neither ATCR_ACCOUNT nor the image name says otherwise.`
  static override examples = [
    {description: 'Toggle between the two accounts of atcr.io', command: '<%= config.bin %> switch'},
    {
      description: 'Make a given account active on buoy.cr',
      command: '<%= config.bin %> switch buoy.cr --account alice.example.com',
    },
    {
      description: 'By DID, printing the result as JSON',
      command: '<%= config.bin %> switch --account did:plc:abc123 --json',
    },
  ]
  static override enableJsonFlag = true
  static override flags = {
    account: Flags.string({
      char: 'a',
      summary: 'Handle or DID of the account to make active.',
      helpValue: 'HANDLE|DID',
    }),
  }

  async run(): Promise<SwitchResult> {
    const {args, flags} = await this.parse(Switch)
    const registryHost = args.registry === undefined ? undefined : this.registryHost(args.registry)
    const {outcome, result} = await switchAccount({
      registryHost,
      account: flags.account,
      prompter: this.prompter(),
      load: () => this.loadAccounts(),
      update: (change) => this.updateAccounts(change),
    })
    if (outcome === 'switched') this.say(`Switched ${result.registry} to ${result.active}`)
    else if (outcome === 'already active') this.say(`${result.registry} already uses ${result.active}`)
    else
      this.say(
        `${result.registry} has only one account, ${result.active}: nothing to switch. To add another: ${BIN} login ${result.registry}`,
      )
    return result
  }
}
