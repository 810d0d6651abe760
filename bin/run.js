#!/usr/bin/env node
// The launcher: everything else, the Node.js version check first, is src/entry.ts (dist/entry.js, built
// so that an old Node.js parses it and gets one clear line instead of a syntax error). First, Node.js's
// compile cache, in a directory only this user can write (src/lib/cli/compile-cache.ts).
const {startCompileCache} = await import('../dist/lib/cli/compile-cache.js')
startCompileCache(process.env, process.stderr)
const {main} = await import('../dist/entry.js')
await main(process.argv.slice(2))
