/**
 * A writer for the crash-safety cases: loops locked read-modify-writes of the account file, each one a
 * new complete version, until it is killed. Prints `ready <ms>` once its first write is done, where
 * <ms> is how long that first write (lock wait included) took: a stale lock left by the previous,
 * killed writer shows up there.
 *
 * It starts when a line arrives on stdin, so that the suite can start the next writer while the current
 * one runs. Plain JavaScript over the sources (dist/ is bundled); crash-safety.ts gives the writers a
 * compile cache, so that hundreds of starts stay cheap (type stripping once). Version n of the file is
 * fully determined by n (see crashStep), so a checker can rebuild the exact bytes of every version and
 * tell a complete file from a partial one.
 */
import {flushCompileCache} from 'node:module'
import {homedir} from 'node:os'
import {performance} from 'node:perf_hooks'

export const CRASH_REGISTRY = 'https://crash.example'
const WINDOW = 60

/** Turn version n into version n+1: add an account with a growing padding; keep the last WINDOW. */
export function crashStep(accounts) {
  const counter = typeof accounts.counter === 'number' ? accounts.counter : 0
  const entry = (accounts.registries[CRASH_REGISTRY] ??= {accounts: {}})
  const handle = `w${counter}.test`
  entry.accounts[handle] = {
    handle,
    did: `did:plc:${'p'.repeat(counter % 200)}`,
    device_secret: `atcr_device_crashtest${counter}`,
  }
  delete entry.accounts[`w${counter - WINDOW}.test`]
  entry.active = handle
  accounts.counter = counter + 1
}

if (import.meta.main) {
  const {accountFilePaths, updateAccounts} = await import('../../src/lib/config/account-store.ts')
  flushCompileCache() // now: a writer killed with SIGKILL never reaches the flush at exit
  await new Promise((resolve) => process.stdin.once('data', resolve))
  const paths = accountFilePaths(process.env, homedir())
  const started = performance.now()
  updateAccounts(paths, crashStep)
  process.stdout.write(`ready ${(performance.now() - started).toFixed(1)}\n`)
  for (;;) updateAccounts(paths, crashStep)
}
