#!/usr/bin/env node
// The one entry point. Written in plain JavaScript with no static imports so that an old Node reaches
// the version check below instead of failing on syntax or a missing API.

/* global setTimeout */

const MINIMUM_NODE_MAJOR = 22
const PROTOCOL_VERBS = ['get', 'store', 'erase', 'list']
const args = process.argv.slice(2)
const isProtocolCall = args.length === 1 && PROTOCOL_VERBS.includes(args[0])

const nodeMajor = Number(process.versions.node.split('.')[0])
if (nodeMajor < MINIMUM_NODE_MAJOR) {
  // Container clients show a helper's stdout as the error; people read stderr.
  const stream = isProtocolCall ? process.stdout : process.stderr
  stream.write(
    `docker-credential-atcr needs Node.js ${MINIMUM_NODE_MAJOR} or newer, but ${process.execPath} is ${process.version}; install a current Node.js and try again.\n`,
  )
  process.exit(1)
}

// Cache compiled code between runs: Docker starts the helper for every pull and push.
const {enableCompileCache, createRequire} = await import('node:module')
enableCompileCache?.()

if (isProtocolCall && args[0] === 'get' && trustsPluginsOnGet()) {
  // Opt-in only (`plugins trust <plugin>`): the trusted identity hooks may name the account, within a budget.
  const {runGetWithTrustedPlugins} = await import('../dist/lib/plugins/get-with-plugins.js')
  const code = await runGetWithTrustedPlugins()
  process.exitCode = code
  // A hook abandoned after its budget must not keep the process alive; stdout is already written.
  setTimeout(() => process.exit(code), 100).unref()
} else if (isProtocolCall) {
  // The lean path: no oclif, no plugins, no update checks; straight to the verb.
  // dist/protocol.js is src/lib/protocol/run-protocol-verb.ts bundled into one file: one module to load, not a dozen.
  const {runProtocolVerb} = await import('../dist/protocol.js')
  process.exitCode = await runProtocolVerb(args[0])
} else {
  const {execute} = await import('@oclif/core')
  // `--version` prints the same line as `version`; oclif would answer with its own user agent.
  const argv = args[0] === '--version' ? ['version', ...args.slice(1)] : args
  await execute({args: argv, dir: import.meta.url})
}

/**
 * Whether the person let plugins run on `get` (src/lib/plugins/trusted-on-get.ts): one stat of
 * $ATCR_CONFIG_DIR/plugins-on-get.json (default ~/.atcr), and nothing else when the file is absent.
 */
function trustsPluginsOnGet() {
  try {
    // Built-ins Node has already loaded for itself; `process.getBuiltinModule` would do from Node 22.3 only.
    const require = createRequire(import.meta.url)
    const path = require('node:path')
    const directory = process.env.ATCR_CONFIG_DIR
      ? path.resolve(process.env.ATCR_CONFIG_DIR)
      : path.join(require('node:os').homedir(), '.atcr')
    return (
      require('node:fs').statSync(path.join(directory, 'plugins-on-get.json'), {throwIfNoEntry: false}) !==
      undefined
    )
  } catch {
    return false // unreadable directory: the verb itself reports what is wrong
  }
}
