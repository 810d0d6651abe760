import {ProtocolCommand} from '../base/protocol-command.ts'

export default class Erase extends ProtocolCommand {
  static override summary = "Remove a registry's active account; the host is read on stdin (Docker protocol)."
  static override description =
    'Run by "docker logout". Succeeds when there is nothing to erase (Docker calls it twice). No other account is made active.'
  static override examples = ['$ printf atcr.io | <%= config.bin %> erase']
  protected readonly verb = 'erase' as const
}
