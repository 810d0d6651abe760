import * as Flags from '@oclif/core/flags'

import {RegistryCommand} from '../base/registry-command.ts'
import {statusView, trustFilesWarning} from '../lib/accounts/status-view.ts'
import {colourEnabled} from '../lib/output/colour.ts'
import {
  collectStatus,
  type LearnedDid,
  learnedDids,
  recordLearnedDids,
  type StatusReport,
} from '../lib/session-check/account-status.ts'

const CHECK_TIMEOUT_MS = 4000

export default class Status extends RegistryCommand {
  static override summary = 'Show every registry and account, and whether each can still sign in.'
  static override description = `Each saved device secret is checked with its registry in parallel (a few seconds at most): valid, not accepted (revoked or unknown), session expired (with the URL to sign in again), or unreachable. --offline skips the checks. Each account shows where its secret is kept; one whose secret should be in the OS keychain and is not there is flagged, even with --offline (docs/keychain.md). Exits 1 when there is no account (for REGISTRY, when given) or an account needs a new login.

--json prints, on stdout:
  {"registries": [
     {"registry": "atcr.io", "url": "https://atcr.io",
      "active": "alice.bsky.social" (or null),
      "accounts": [
        {"handle": "alice.bsky.social", "did": "did:plc:…", "active": true,
         "storage": "file" or "keychain",
         "state": "valid", "invalid", "session_expired", "unreachable",
                  "unchecked" (--offline), "keychain_missing" or "keychain_unavailable",
         "loginUrl": "…" (session_expired only),
         "detail": "…" (unreachable and keychain_unavailable only)}]}],
   "needsLogin": false}
With no account (for REGISTRY, when given) it prints {"error": {"code": "no_accounts", "message": "…"}} instead.
No secret is ever part of the output.`
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status atcr.io --json',
    '<%= config.bin %> status --offline',
  ]
  static override enableJsonFlag = true
  static override flags = {
    offline: Flags.boolean({description: 'do not contact the registries; only list the saved accounts'}),
  }

  async run(): Promise<StatusReport> {
    const {args, flags} = await this.parse(Status)
    const host = args.registry === undefined ? undefined : this.registryHost(args.registry)
    const accounts = this.loadAccounts()
    const warning = trustFilesWarning(this.accountPaths.directory)
    if (warning) this.logToStderr(warning)
    const report = await collectStatus(accounts, {
      host,
      offline: flags.offline,
      check: async (registry, account, deviceSecret) =>
        (
          await this.appViewClient(registry.host, {
            accountAppViewUrl: account.appview_url,
            timeoutMs: CHECK_TIMEOUT_MS,
            retries: 0,
          })
        ).checkSecret({
          handle: account.handle,
          deviceSecret,
          service: registry.host,
        }),
    })
    this.recordLearnedDids(learnedDids(accounts, report))
    const view = statusView(report, {host, colour: colourEnabled(process.stdout, process.env)})
    if (view.noAccounts) throw view.noAccounts
    for (const line of view.lines) this.log(line)
    if (view.failed) process.exitCode = 1
    return report
  }

  /**
   * Accounts migrated from older formats have no DID, so `get` cannot match references that name them
   * by DID. A check that revealed one is worth keeping. Best effort: status still reports when the
   * directory is read-only or the file is busy.
   */
  private recordLearnedDids(learned: LearnedDid[]): void {
    if (learned.length === 0) return
    try {
      this.updateAccounts((accounts) => recordLearnedDids(accounts, learned))
    } catch {
      // Nothing status reports depends on it; the next status tries again.
    }
  }
}
