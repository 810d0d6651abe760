/**
 * Node built-ins loaded on first use. `node:child_process`, `node:net` and `node:crypto` each cost
 * milliseconds to import, and `get` (run on every pull) rarely needs them. process.getBuiltinModule
 * (every Node.js the helper runs on has it) returns one without the createRequire that a `require`
 * would first need: a quarter of a millisecond on every `get`.
 */
export const childProcess = (): typeof import('node:child_process') =>
  process.getBuiltinModule('node:child_process')
export const net = (): typeof import('node:net') => process.getBuiltinModule('node:net')
