/**
 * A device secret typed on the command line (issue 17): refused before anything echoes it, with the way
 * to hand it over. A secret in argv lands in shell history and `ps`, and every echo of argv (an unknown
 * argument, a registry name, a typo suggestion) would print it again; the one reporter redacts what
 * still gets through (src/lib/errors/describe-error.ts).
 */
import {SECRET_IN_ARGV_HINT} from '../errors/describe-error.ts'
import {PersonFacingError} from '../errors/person-facing-error.ts'
import {BIN, DEVICE_SECRET_PREFIX} from '../product.ts'

/** Whether a word of argv holds a device secret (`atcr_device_…`, `--account=atcr_device_…`). */
export function holdsDeviceSecret(word: string): boolean {
  return word.toLowerCase().includes(DEVICE_SECRET_PREFIX)
}

/** Throws a usage error naming the way to pass a secret when any word of `argv` holds one. */
export function refuseSecretInArgv(argv: readonly string[]): void {
  if (!argv.some((word) => holdsDeviceSecret(word))) return
  throw new PersonFacingError(
    `${DEVICE_SECRET_PREFIX}… was typed as an argument; it was not used. ${SECRET_IN_ARGV_HINT} ` +
      `For example: printf %s "$SECRET" | ${BIN} login atcr.io --with-token --account HANDLE`,
    {exit: 2},
  )
}
