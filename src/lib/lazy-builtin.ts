/**
 * Node built-ins loaded on first use. `node:child_process`, `node:net` and `node:crypto` each cost
 * milliseconds to import, and `get` (run on every pull) rarely needs them. `process.getBuiltinModule`
 * would do, but only from Node 22.3; users may run any Node 22.
 */
import {createRequire} from 'node:module'

const requireBuiltin = createRequire(import.meta.url)

export const childProcess = (): typeof import('node:child_process') => requireBuiltin('node:child_process')
export const net = (): typeof import('node:net') => requireBuiltin('node:net')
