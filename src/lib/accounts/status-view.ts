/**
 * What `status` shows a person, apart from oclif: the warning about plugin trust files others could
 * write, the report's lines (coloured only when asked), the hint when there is nothing to show, and
 * whether the command failed (as `gh auth status`: nothing signed in, or an account must log in again).
 */
import {existsSync} from 'node:fs'

import {type Colour, paint} from '../output/colour.ts'
import {trustedOnGetFile} from '../plugins/trusted-on-get.ts'
import {BIN} from '../product.ts'
import {formatStatus, NOTE_MARK, STATE_MARKS, type StatusReport} from '../session-check/account-status.ts'
import {looseCodeFilesWarning} from '../trust/code-files.ts'

const MARK_COLOURS: Partial<Record<string, Colour>> = {
  [STATE_MARKS.valid]: 'green',
  [STATE_MARKS.invalid]: 'red',
  [STATE_MARKS.unreachable]: 'yellow',
  [NOTE_MARK]: 'yellow',
}

/**
 * With plugins trusted on get, a directory others can write decides what code runs: said by status too
 * (the mode warning every people command prints covers secrets at rest, not code).
 */
export function trustFilesWarning(directory: string): string | undefined {
  const trustFile = trustedOnGetFile(directory)
  return existsSync(trustFile) ? looseCodeFilesWarning(directory, trustFile) : undefined
}

export interface StatusView {
  /** For stdout. */
  lines: string[]
  /** For stderr, when no account is shown. */
  hint?: string
  failed: boolean
}

export function statusView(report: StatusReport, options: {host?: string; colour: boolean}): StatusView {
  const {host} = options
  const style = options.colour
    ? (mark: string) => {
        const colour = MARK_COLOURS[mark]
        return colour ? paint(mark, colour) : mark
      }
    : undefined
  const empty = report.registries.length === 0
  return {
    lines: formatStatus(report, BIN, style),
    ...(empty && {
      hint: host
        ? `No accounts for ${host}. Run: ${BIN} login ${host}`
        : `No accounts yet. Run: ${BIN} login`,
    }),
    failed: empty || report.needsLogin,
  }
}
