#!/usr/bin/env node
// The launcher: check the Node.js version, then hand argv to src/entry.ts (dist/entry.js), which routes.
// dist/node-check.js is built for old Node.js releases, so that one reaches its clear line, not a syntax error.
import {nodeIsSupported} from '../dist/node-check.js'

if (nodeIsSupported()) {
  // Cache compiled code between runs: Docker starts the helper for every pull and push.
  ;(await import('node:module')).enableCompileCache?.()
  const {main} = await import('../dist/entry.js')
  await main(process.argv.slice(2))
}
