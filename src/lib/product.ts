/**
 * The product's one name: the command people type, the binary container clients run as
 * `docker-credential-<suffix>`, and the client name the AppView sees. package.json's `bin` and
 * `oclif.bin` say the same (test/unit/package.test.ts holds them to it).
 */
export const BIN = 'docker-credential-atcr'

/** The prefix of every secret the AppView issues to a device; nothing else is worth storing (and redaction looks for it). */
export const DEVICE_SECRET_PREFIX = 'atcr_device_'
