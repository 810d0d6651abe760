/**
 * Why a people command that changes accounts (login, logout, switch) cannot go on: a message for the
 * person and the exit code. `exitCode` 2 means the person must add an argument or flag.
 * PeopleCommand turns it into one `Error: …` line; lib code throws it and never touches the process.
 */
export class AccountsError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode = 1) {
    super(message)
    this.name = 'AccountsError'
    this.exitCode = exitCode
  }
}
