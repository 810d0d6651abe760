/**
 * Run the AppView emulator as its own process, for the demo and shell-driven end-to-end tests:
 *
 *   node test/support/run-appview-emulator.ts [--port N] [--interval SECONDS] [--registry-upstream URL]
 *
 * The first stdout line is the emulator's URL; the second is a JSON object with host, tokenIssuer and
 * the PEM of the token-signing certificate. Drive it with JSON POSTs to <url>/_emulator/<control>
 * (approve, approve-next, deny, expire-code, revoke, expire-session, restore-session, add-account,
 * fault, clear-faults, registry-upstream) and GET <url>/_emulator/requests or /_emulator/pending-codes.
 * Runs until SIGTERM or SIGINT.
 */
import {parseArgs} from 'node:util'

import {startAppViewEmulator} from './appview-emulator.ts'

const {values} = parseArgs({
  options: {
    port: {type: 'string'},
    interval: {type: 'string'},
    'expires-in': {type: 'string'},
    'registry-upstream': {type: 'string'},
  },
})

const emulator = await startAppViewEmulator({
  port: values.port ? Number(values.port) : undefined,
  interval: values.interval ? Number(values.interval) : undefined,
  expiresIn: values['expires-in'] ? Number(values['expires-in']) : undefined,
  registryUpstream: values['registry-upstream'],
})
process.stdout.write(`${emulator.url}\n`)
process.stdout.write(
  `${JSON.stringify({host: emulator.host, tokenIssuer: emulator.tokenIssuer, tokenCertificatePem: emulator.tokenCertificatePem})}\n`,
)

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void emulator.close().then(() => process.exit(0))
  })
}
