#!/usr/bin/env node
// The launcher: everything else, the Node.js version check first, is src/entry.ts (dist/entry.js, built
// so that an old Node.js parses it and gets one clear line instead of a syntax error).

// Cache compiled code between runs: Docker starts the helper for every pull and push.
;(await import('node:module')).enableCompileCache?.()
const {main} = await import('../dist/entry.js')
await main(process.argv.slice(2))
