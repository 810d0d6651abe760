/**
 * Root help with examples. oclif's root help lists the commands but has no EXAMPLES section, and a
 * person who types the bare command name should see how the helper is used end to end.
 */
import {Help} from '@oclif/core'

export const ROOT_EXAMPLES: ReadonlyArray<{description: string; command: string}> = [
  {description: 'Log in to atcr.io (opens the browser)', command: 'login'},
  {description: 'See every registry and account, the active ones marked', command: 'status'},
  {description: 'Change the account a registry uses by default', command: 'switch'},
  {
    description: 'Make Docker use this helper for atcr.io and your other registries',
    command: 'configure-docker',
  },
]

export default class RootHelp extends Help {
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp()
    const bin = this.config.bin
    const lines = [
      ...ROOT_EXAMPLES.map(({description, command}) => `${description}\n  $ ${bin} ${command}`),
      `Push as a given account, whatever is active\n  $ ATCR_ACCOUNT=alice.example.com docker push atcr.io/alice.example.com/app:latest`,
    ]
    this.log(this.section('EXAMPLES', lines.join('\n\n')))
    this.log('')
  }
}
