/**
 * `npm run build:entry`: bundle src/entry.ts and the protocol path into dist/entry.js (src/entry.ts says
 * why one module, and why built for node14).
 *
 * Node.js built-ins are loaded through `require`, not `import`: importing a built-in as ESM builds its
 * ESM facade, which reads every export, and `node:fs`'s lazy `ReadStream` getter then loads
 * fs/promises, readline and the stream pipeline — a few milliseconds on every `get` for code it never
 * runs. `require('fs')` returns the module as it is; each export is read when used.
 */
import {builtinModules, createRequire} from 'node:module'

import {build, type Plugin} from 'esbuild'

const BUILTINS = new Set(builtinModules)
const requireAtBuild = createRequire(import.meta.url)

/**
 * An ES module that re-exports a built-in's plain properties, read once from `require`. Getters (such as
 * `fs.ReadStream`) are left out: reading them is what loads the code this avoids, and an import of one
 * fails the build (esbuild: no matching export) instead of running slowly.
 */
function reexport(name: string): string {
  const builtin = requireAtBuild(name) as Record<string, unknown>
  const plain = Object.keys(builtin).filter(
    (key) => /^[A-Za-z_$][\w$]*$/.test(key) && 'value' in Object.getOwnPropertyDescriptor(builtin, key)!,
  )
  return `const m = require(${JSON.stringify(name)})\nexport default m\nexport const {${plain.join(', ')}} = m\n`
}

const requireBuiltins: Plugin = {
  name: 'require-builtins',
  setup(bundle) {
    bundle.onResolve({filter: /^[a-z_:/]+$/}, (args) => {
      const name = args.path.replace(/^node:/, '')
      if (args.namespace === 'builtin' || !BUILTINS.has(name)) return undefined
      return {path: name, namespace: 'builtin', sideEffects: false}
    })
    bundle.onLoad({filter: /.*/, namespace: 'builtin'}, (args) => ({
      contents: reexport(args.path),
      loader: 'js',
    }))
  },
}

await build({
  entryPoints: ['src/entry.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node14',
  external: ['@oclif/core'],
  logLevel: 'warning',
  outfile: 'dist/entry.js',
  plugins: [requireBuiltins],
  // The `require` that esbuild's require calls use in an ES module.
  banner: {
    js: `import {createRequire as __createRequire} from 'module'\nconst require = __createRequire(import.meta.url)`,
  },
})
