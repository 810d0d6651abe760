/**
 * When the update notice (src/lib/update/notice.ts) stays quiet. Its own module because the prerun hook
 * asks this before every people command, and a quiet notice (--json, CI, the opt-out) should load
 * nothing else: the notice itself brings the state file, semver and the release-host rules.
 */
import {envFlag} from '../env-flag.ts'
import {PROTOCOL_VERBS} from '../protocol/verb-names.ts'

export const NOTICE_DISABLE_ENV = 'ATCR_NO_UPDATE_NOTIFIER'

/** Commands that never show the notice: the protocol verbs, and `update` itself. */
const QUIET_COMMANDS = new Set<string>([...PROTOCOL_VERBS, 'update'])

export interface NoticeSituation {
  env: NodeJS.ProcessEnv
  commandId: string | undefined
  argv: readonly string[]
}

/** Why no notice may be shown for this command, or undefined when one may. */
export function noticeSuppressedBecause({env, commandId, argv}: NoticeSituation): string | undefined {
  if (envFlag(env, NOTICE_DISABLE_ENV)) return `${NOTICE_DISABLE_ENV} is set`
  if (envFlag(env, 'CI')) return 'CI is set'
  if (!commandId || QUIET_COMMANDS.has(commandId)) return `"${commandId ?? ''}" is not a people command`
  if (argv.includes('--json')) return '--json output'
  return undefined
}
