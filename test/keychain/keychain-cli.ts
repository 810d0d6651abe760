/**
 * The secret store as a process, for the tests against a real Secret Service: the binding reads the bus
 * address from its process's environment, and a call stuck past its budget must end the process, as it
 * will end `get`.
 *
 *   node test/keychain/keychain-cli.ts get|has|delete SERVICE ACCOUNT [BUDGET_MS]
 *   node test/keychain/keychain-cli.ts set SERVICE ACCOUNT [BUDGET_MS]     (the secret on stdin)
 *
 * stdout: the result as JSON, or the KeychainError's line; exit 0, or 1 on a KeychainError.
 */
import {readFileSync} from 'node:fs'

import {exitPastStuckCall} from '../../src/lib/secret-store/exit-past-stuck-call.ts'
import {KeychainError, openKeychain, type SecretLocation} from '../../src/lib/secret-store/secret-store.ts'

const [operation, service, account, budget] = process.argv.slice(2)
if (!operation || !service || !account) throw new Error('usage: keychain-cli.ts OPERATION SERVICE ACCOUNT')
const location: SecretLocation = {service, account}

const store = await openKeychain(budget ? {budgetMs: Number(budget)} : {})
try {
  const result =
    operation === 'get'
      ? ((await store.get(location)) ?? null)
      : operation === 'has'
        ? await store.has(location)
        : operation === 'delete'
          ? await store.delete(location)
          : operation === 'set'
            ? await store.set(location, readFileSync(0, 'utf8'))
            : undefined
  process.stdout.write(`${JSON.stringify(result ?? null)}\n`)
} catch (error) {
  if (!(error instanceof KeychainError)) throw error
  process.stdout.write(`${error.message}\n`)
  if (error.stuck) exitPastStuckCall(1)
  process.exitCode = 1
}
