/**
 * The product's one name: the command people type, the binary container clients run as
 * `docker-credential-<suffix>`, and the client name the AppView sees. package.json's `bin` and
 * `oclif.bin` say the same (test/unit/package.test.ts holds them to it).
 */
export const BIN = 'docker-credential-atcr'
