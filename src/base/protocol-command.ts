/**
 * Base of the hidden Docker-protocol commands (get, store, erase, list). bin/run.js normally runs the
 * verbs without oclif; this class serves `<verb> --help` and any invocation oclif parses, and hands the
 * work to the same function so both paths answer byte for byte alike.
 */
import {Command} from '@oclif/core/command'

import {type ProtocolVerb, runProtocolVerb} from '../lib/protocol/run-protocol-verb.ts'

export abstract class ProtocolCommand extends Command {
  static override hidden = true
  static override strict = true
  protected abstract readonly verb: ProtocolVerb

  async run(): Promise<void> {
    await this.parse(this.constructor as typeof ProtocolCommand)
    process.exitCode = await runProtocolVerb(this.verb)
  }
}
