/**
 * Why a people command that changes accounts (login, logout, switch) cannot go on: a message for the
 * person and the exit code (2: the person must add an argument or flag). Reported as it is by the one
 * reporter (src/lib/errors); lib code throws it and never touches the process.
 */
import {PersonFacingError} from '../errors/person-facing-error.ts'

export class AccountsError extends PersonFacingError {
  constructor(message: string, exit = 1) {
    super(message, {exit})
  }
}
