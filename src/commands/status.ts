import * as Flags from '@oclif/core/flags'
import {existsSync} from 'node:fs'

import {RegistryCommand} from '../base/registry-command.ts'
import {type Colour, colourEnabled, paint} from '../lib/output/colour.ts'
import {trustedOnGetFile} from '../lib/plugins/trusted-on-get.ts'
import {BIN} from '../lib/protocol/messages.ts'
import {looseCodeFilesWarning} from '../lib/trust/code-files.ts'
import {
  collectStatus,
  formatStatus,
  type LearnedDid,
  learnedDids,
  type MarkStyle,
  NOTE_MARK,
  recordLearnedDids,
  STATE_MARKS,
  type StatusReport,
} from '../lib/session-check/account-status.ts'

const CHECK_TIMEOUT_MS = 4000

const MARK_COLOURS: Partial<Record<string, Colour>> = {
  [STATE_MARKS.valid]: 'green',
  [STATE_MARKS.invalid]: 'red',
  [STATE_MARKS.unreachable]: 'yellow',
  [NOTE_MARK]: 'yellow',
}

export default class Status extends RegistryCommand {
  static override summary = 'Show every registry and account, and whether each can still sign in.'
  static override description = `Each saved device secret is checked with its registry in parallel (a few seconds at most): valid, not accepted (revoked or unknown), session expired (with the URL to sign in again), or unreachable. --offline skips the checks. Exits 1 when there is no account (for REGISTRY, when given) or an account needs a new login.

--json prints, on stdout:
  {"registries": [
     {"registry": "atcr.io", "url": "https://atcr.io",
      "active": "alice.bsky.social" (or null),
      "accounts": [
        {"handle": "alice.bsky.social", "did": "did:plc:…", "active": true,
         "state": "valid", "invalid", "session_expired", "unreachable"
                  or "unchecked" (--offline),
         "loginUrl": "…" (session_expired only),
         "detail": "…" (unreachable only)}]}],
   "needsLogin": false}
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
    // With plugins trusted on get, a directory others can write decides what code runs: say so here too
    // (the mode warning every people command prints covers secrets at rest, not code).
    const trustFile = trustedOnGetFile(this.accountPaths.directory)
    if (existsSync(trustFile)) {
      const loose = looseCodeFilesWarning(this.accountPaths.directory, trustFile)
      if (loose) this.logToStderr(loose)
    }
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
    if (report.registries.length === 0) {
      this.logToStderr(
        host ? `No accounts for ${host}. Run: ${BIN} login ${host}` : `No accounts yet. Run: ${BIN} login`,
      )
    }
    const style: MarkStyle | undefined = colourEnabled(process.stdout, process.env)
      ? (mark) => {
          const colour = MARK_COLOURS[mark]
          return colour ? paint(mark, colour) : mark
        }
      : undefined
    for (const line of formatStatus(report, BIN, style)) this.log(line)
    // As `gh auth status`: 1 when there is nothing signed in to show, or an account must log in again.
    if (report.registries.length === 0 || report.needsLogin) process.exitCode = 1
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
