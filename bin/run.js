#!/usr/bin/env node
// The one entry point. Written in plain JavaScript with no static imports so that an old Node reaches
// the version check below instead of failing on syntax or a missing API.

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
const {enableCompileCache} = await import('node:module')
enableCompileCache?.()

if (isProtocolCall) {
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
