/**
 * The help oclif prints, with four changes:
 * - the root help ends with EXAMPLES (oclif's has none, and a person who types the bare command name
 *   should see how the helper is used end to end);
 * - its VERSION line is the `--version` line, not oclif's user agent;
 * - a command's USAGE line lists its arguments and flags plainly (`update [CHANNEL] [-a] [--force]`),
 *   without oclif's docopt groups, which print as `[--force |  | [-a | -v <value> | -i]]` for update;
 * - description lines indented by two or more spaces are kept as written (the JSON shape in
 *   `status --help`), where oclif would re-wrap them into one ragged paragraph.
 */
import type {Command} from '@oclif/core/command'
import {CommandHelp, Help} from '@oclif/core/help'
import {toConfiguredId} from '@oclif/core/util/ids'

import {currentVersionInfo, versionLine} from './lib/cli/version-line.ts'

export const ROOT_EXAMPLES: ReadonlyArray<{description: string; command: string}> = [
  {description: 'Log in to atcr.io (opens the browser)', command: 'login'},
  {description: 'See every registry and account, the active ones marked', command: 'status'},
  {description: 'Change the account a registry uses by default', command: 'switch'},
  {
    description: 'Make Docker use this helper for atcr.io and your other registries',
    command: 'configure-docker',
  },
]

/** `-a HANDLE|DID`, `--offline`, `-v <value>`: how a flag is written on a usage line. */
export function flagUsage(flag: Command.Flag.Cached): string {
  const name = flag.char ? `-${flag.char}` : `--${flag.name}`
  return flag.type === 'option' ? `${name} ${flag.helpValue ?? '<value>'}` : name
}

class ProjectCommandHelp extends CommandHelp {
  /** `$ bin update [CHANNEL] [-a] [--force]`, wrapped between words, never inside `[-a HANDLE|DID]`. */
  protected override usage(): string {
    if (this.command.usage) return super.usage()
    const args = Object.values(this.command.args ?? {})
      .filter((arg) => !arg.hidden)
      .map((arg) => `${this.arg(arg)}${this.command.strict === false ? '...' : ''}`)
    const flags = Object.values(this.command.flags ?? {})
      .filter((flag) => !flag.hidden)
      .map((flag) => `[${flagUsage(flag)}]`)
    const words = ['$', this.config.bin, toConfiguredId(this.command.id, this.config), ...args, ...flags]
    const width = this.opts.maxWidth - this.indentSpacing
    const lines = [words[0]!]
    for (const word of words.slice(1)) {
      const last = lines.at(-1)!
      if (`${last} ${word}`.length > width && last.trim() !== '$') lines.push(`    ${word}`)
      else lines[lines.length - 1] = `${last} ${word}`
    }
    return lines.join('\n')
  }

  protected override description(): string | undefined {
    const {summary, description} = this.command
    if (!description) return undefined
    const lines = [...(summary ? [summary, ''] : []), ...description.split('\n')]
    return lines.map((line) => (/^ {2}/.test(line) ? line : this.wrap(line))).join('\n')
  }
}

export default class RootHelp extends Help {
  protected override CommandHelpClass = ProjectCommandHelp

  override formatRoot(): string {
    const line = versionLine(currentVersionInfo(this.config.bin, this.config.version))
    return super.formatRoot().replace(this.config.userAgent, line)
  }

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
