#!/usr/bin/env node
// The launcher: everything else, the Node.js version check first, is src/entry.ts (dist/entry.js, built
// so that an old Node.js parses it and gets one clear line instead of a syntax error).

// Cache compiled code between runs (Docker starts the helper for every pull and push), in this user's own
// cache directory: Node's default is one directory in /tmp shared by every user, where whoever creates it
// first decides what compiled code the others load. Node.js without getBuiltinModule is below the floor.
const builtin = process.getBuiltinModule
if (builtin) {
  const path = builtin('node:path')
  const xdg = process.env.XDG_CACHE_HOME
  const windows = process.platform === 'win32' ? process.env.LOCALAPPDATA : undefined
  const base =
    xdg && path.isAbsolute(xdg) ? xdg : windows || path.join(builtin('node:os').homedir(), '.cache')
  builtin('node:module').enableCompileCache?.(path.join(base, 'atcr', 'compile-cache'))
}
const {main} = await import('../dist/entry.js')
await main(process.argv.slice(2))
