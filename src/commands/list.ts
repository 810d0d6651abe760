import {ProtocolCommand} from '../base/protocol-command.ts'

export default class List extends ProtocolCommand {
  static override summary = 'Print {"<host>": "<handle>"} for every registry (Docker protocol).'
  static override description =
    'Stdin is ignored. The handle is the account "get" would answer with when nothing names one.'
  static override examples = ['<%= config.bin %> list']
  protected readonly verb = 'list' as const
}
