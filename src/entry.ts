/**
 * Where every run goes from bin/run.js:
 * - a Node.js without what the helper needs (src/lib/node-floor.ts): one line saying so, nothing else;
 * - a lone protocol verb (`get`, `store`, `erase`, `list`): the verb itself, without oclif, plugins or
 *   update checks (src/lib/protocol/run-protocol-verb.ts);
 * - `get` when the person trusted plugins to run there (`plugins trust`): the same verb, with the trusted
 *   identity hooks (src/lib/plugins/get-with-plugins.ts);
 * - anything else: oclif.
 * Bundled into dist/entry.js (scripts/bundle.ts, part of npm run build): `get` loads one module, not dozens. The bundle is
 * built for an old target (node14) so that an old Node.js parses it and reaches the version check; only
 * declarations run before main().
 */
import {statSync} from 'node:fs'

import {accountFilePaths} from './lib/config/account-store.ts'
import {nodeMeetsFloor, unsupportedNodeMessage} from './lib/node-floor.ts'
import {trustedOnGetFile} from './lib/plugins/trusted-on-get.ts'
import {exitPastStuckCall} from './lib/secret-store/exit-past-stuck-call.ts'
import {keychainCallStuck} from './lib/secret-store/secret-store.ts'
import {
  isDebug,
  isProtocolVerb,
  processIo,
  type ProtocolIo,
  runProtocolVerb,
} from './lib/protocol/run-protocol-verb.ts'

/**
 * Left out of the bundle (a specifier esbuild does not follow): tsc's dist/lib/plugins/get-with-plugins.js
 * is loaded only on this opt-in path, and every other `get` parses none of it.
 */
const GET_WITH_PLUGINS = './lib/plugins/get-with-plugins.js'
/** The same for people commands: oclif and the error reporter stay out of the get bundle. */
const RUN_OCLIF = './lib/cli/run-oclif.js'

export async function main(args: readonly string[]): Promise<void> {
  const verb = args.length === 1 ? args[0] : undefined
  if (!nodeMeetsFloor(process.versions.node)) {
    // Container clients show a helper's stdout as the error; people read stderr.
    const stream = isProtocolVerb(verb) ? process.stdout : process.stderr
    stream.write(`${unsupportedNodeMessage(process.execPath, process.version)}\n`)
    process.exitCode = 1
    return
  }
  if (isProtocolVerb(verb)) {
    const io = processIo()
    let code: number
    if (verb === 'get' && pluginsTrustedOnGet(io)) {
      // Opt-in only (`plugins trust <plugin>`): the trusted identity hooks may name the account, within a budget.
      const {runGetWithTrustedPlugins} = (await import(
        GET_WITH_PLUGINS
      )) as typeof import('./lib/plugins/get-with-plugins.ts')
      code = await runGetWithTrustedPlugins(io)
    } else code = await runProtocolVerb(verb, io)
    await exitOnceWritten(io, code)
    return
  }
  const {runOclif} = (await import(RUN_OCLIF)) as typeof import('./lib/cli/run-oclif.ts')
  await runOclif(args, import.meta.url)
  if (keychainCallStuck()) {
    // What the command printed goes out first: the way out below ends the process at once.
    await Promise.all(
      [process.stdout, process.stderr].map((stream) => new Promise((done) => stream.write('', done))),
    )
    exitPastStuckCall(Number(process.exitCode ?? 0))
  }
}

/**
 * End the process as soon as its answer has left it, on every protocol path. Docker waits for the exit,
 * not for the answer: a name lookup abandoned at the end of the session check's budget (getaddrinfo
 * cannot be cancelled, and a resolver that never answers holds it for 10 s) or a trusted hook abandoned
 * after its budget must not keep the process alive. Nothing else is pending by then: every file the verb
 * writes is written synchronously.
 */
async function exitOnceWritten(io: ProtocolIo, code: number): Promise<void> {
  process.exitCode = code
  await Promise.all([io.stdout.flushed?.(), io.stderr.flushed?.()])
  // A keychain call past its budget holds a thread that process.exit would wait for (exit-past-stuck-call.ts).
  if (keychainCallStuck()) exitPastStuckCall(code)
  process.exit(code)
}

/**
 * Whether the person let plugins run on `get`: one stat of plugins-on-get.json beside the account file,
 * and nothing else when it is absent. Only a regular file counts: a FIFO, a device or a directory in its
 * place must not block or break `get` (src/lib/plugins/trusted-on-get.ts decides what its content allows).
 */
function pluginsTrustedOnGet(io: ProtocolIo): boolean {
  try {
    const file = trustedOnGetFile(accountFilePaths(io.env, io.homedir).directory)
    const stats = statSync(file, {throwIfNoEntry: false})
    if (stats === undefined) return false
    if (stats.isFile()) return true
    if (isDebug(io.env)) io.stderr.write(`atcr: ${file} is not a regular file; no plugin runs on get\n`)
    return false
  } catch {
    return false // an unreadable directory: the verb itself reports what is wrong
  }
}
