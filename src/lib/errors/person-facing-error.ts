/**
 * An error whose message is already written for a person: one line saying what happened and what to run
 * next. lib code throws it (or a subclass: AccountsError, the update errors) and never touches the
 * process; the one reporter (report-error.ts) prints the message as it is, with this code and exit code.
 */
export class PersonFacingError extends Error {
  /** Stable, for scripts reading `{"error": {"code"}}` under --json. */
  readonly code: string
  /** 1 for a failure, 2 when the person must add an argument or flag, 130 for a cancelled question. */
  readonly exit: number

  constructor(message: string, options: {code?: string; exit?: number} = {}) {
    super(message)
    this.name = new.target.name
    this.code = options.code ?? (options.exit === 2 ? 'usage' : 'failed')
    this.exit = options.exit ?? 1
  }
}
