import {ProtocolCommand} from '../base/protocol-command.ts'

export default class Get extends ProtocolCommand {
  static override summary = 'Print the credentials for a registry host read on stdin (Docker protocol).'
  static override description = `Container clients run this over a pipe: stdin is the registry host (atcr.io), stdout is {"ServerURL","Username","Secret"}.
The account is chosen without asking: ATCR_ACCOUNT, else the image named on the client's command line, else the registry's active account, else its only account.
Before answering, the account's secret is checked with its AppView at most every few minutes (1.5 s budget; an unreachable AppView never fails a pull). An expired sign-in or a revoked secret fails with a line naming how to sign in again. ATCR_SESSION_CHECK=0 turns the check off.
Set ATCR_DEBUG=1 to see on stderr which rule chose which account.`
  static override examples = [
    '$ printf atcr.io | <%= config.bin %> get',
    '$ printf atcr.io | ATCR_DEBUG=1 <%= config.bin %> get',
  ]
  protected readonly verb = 'get' as const
}
