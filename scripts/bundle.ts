/**
 * `npm run bundle` (part of `npm run build`, after tsc has written the declarations): every JavaScript
 * file in dist/ comes from here, in two esbuild builds (docs/architecture.md, "Build").
 *
 * 1. dist/entry.js — src/entry.ts and the protocol path in one module (src/entry.ts says why one module,
 *    and why built for node14); dist/lib/cli/compile-cache.js, which bin/run.js loads first.
 * 2. The people side, as any oclif CLI ships it: the modules package.json names for oclif (commands,
 *    hooks, the help class), the package's index, and the modules loaded by path (src/entry.ts's
 *    run-oclif and get-with-plugins, the update notice's background refresh), each at its own path in
 *    dist/, sharing chunks (dist/chunks/) with code splitting, so that a command loads only what it
 *    imports and all of them share one copy of @oclif/core (`instanceof` holds across them).
 *
 * Node.js built-ins are loaded through `require`, not `import`, in dist/entry.js (requireBuiltins):
 * importing a built-in as ESM builds its ESM facade, which reads every export, and `node:fs`'s lazy
 * `ReadStream` getter then loads fs/promises, readline and the stream pipeline — a few milliseconds on
 * every `get` for code it never runs. `require('fs')` returns the module as it is.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import {builtinModules} from 'node:module'
import path from 'node:path'

import {build, type BuildOptions, type Plugin} from 'esbuild'

const BUILTINS = new Set(builtinModules)

/**
 * An ES module that re-exports a built-in's plain properties, read once from `require`. Getters (such as
 * `fs.ReadStream`) are left out: reading them is what loads the code this avoids, and an import of one
 * fails the build (esbuild: no matching export) instead of running slowly. So are properties that load
 * code when first read (`fs.Dir`, `util.parseArgs`): which those are is asked of a fresh Node.js, since
 * this build's own process may have read them already.
 */
const reexports = new Map<string, string>()
function reexport(name: string): string {
  const known = reexports.get(name)
  if (known !== undefined) return known
  const classify = `const m = require(${JSON.stringify(name)}), plain = []
for (const key of Object.keys(m)) {
  if (!/^[A-Za-z_$][\\w$]*$/.test(key)) continue
  const loaded = process.moduleLoadList.length
  if ('value' in Object.getOwnPropertyDescriptor(m, key) && process.moduleLoadList.length === loaded) plain.push(key)
}
process.stdout.write(JSON.stringify(plain))`
  const child = spawnSync(process.execPath, ['-e', classify], {encoding: 'utf8'})
  if (child.status !== 0) throw new Error(`classifying node:${name}: ${child.stderr}`)
  const exported = JSON.parse(child.stdout) as string[]
  const module = `const m = require(${JSON.stringify(name)})\nexport default m\nexport const {${exported.join(', ')}} = m\n`
  reexports.set(name, module)
  return module
}

const requireBuiltins: Plugin = {
  name: 'require-builtins',
  setup(bundle) {
    bundle.onResolve({filter: /^[a-z_:/]+$/}, (args) => {
      const name = args.path.replace(/^node:/, '')
      if (args.namespace !== 'file' || !BUILTINS.has(name)) return undefined
      // A bundled CommonJS module's `require('fs')` is the module itself already (lilconfig reads
      // `fs.promises` from it).
      if (args.kind === 'require-call') return undefined
      return {path: name, namespace: 'builtin', sideEffects: false}
    })
    bundle.onLoad({filter: /.*/, namespace: 'builtin'}, (args) => ({
      contents: reexport(args.path),
      loader: 'js',
    }))
  },
}

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  logLevel: 'warning',
  // The `require` that esbuild's require calls (built-ins, bundled CommonJS) use in an ES module.
  banner: {
    js: `import {createRequire as __createRequire} from 'module'\nconst require = __createRequire(import.meta.url)`,
  },
}

// 1. dist/entry.js, and the compile cache's start that bin/run.js loads before it.
await build({
  ...common,
  plugins: [requireBuiltins],
  entryPoints: ['src/entry.ts', 'src/lib/cli/compile-cache.ts'],
  target: 'node14',
  external: ['@oclif/core'],
  outbase: 'src',
  outdir: 'dist',
})

// 2. The people side.
const pjson = JSON.parse(readFileSync('package.json', 'utf8')) as {
  exports: {'.': {import: string}}
  oclif: {commands: string; helpClass: string; hooks: Record<string, string | {target: string}>}
}
/** ./dist/<name>.js, as package.json names it → src/<name>.ts */
const source = (distPath: string) => distPath.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')
const commands = source(pjson.oclif.commands)
const named = [
  pjson.exports['.'].import,
  pjson.oclif.helpClass,
  ...Object.values(pjson.oclif.hooks).map((hook) => (typeof hook === 'string' ? hook : hook.target)),
]
await build({
  ...common,
  entryPoints: [
    ...named.map(source),
    ...readdirSync(commands, {recursive: true, encoding: 'utf8'})
      .filter((file) => file.endsWith('.ts'))
      .map((file) => path.join(commands, file)),
    'src/lib/cli/run-oclif.ts', // src/entry.ts's RUN_OCLIF
    'src/lib/plugins/get-with-plugins.ts', // src/entry.ts's GET_WITH_PLUGINS
    'src/lib/update/refresh-in-background.ts', // spawned by the update notice
  ],
  outbase: 'src',
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  external: [
    // @oclif/core can run TypeScript plugins in development through `typescript`, never installed here.
    'typescript',
    // Each finds files beside its own module, which a bundle would move (open: its xdg-open;
    // @oclif/plugin-plugins: npm, yarn). `plugins install` then runs on that package's @oclif/core, as
    // any plugin's command does.
    'open',
    '@oclif/plugin-plugins',
    // Only for a question in a terminal.
    'enquirer',
  ],
})

const missing = named.filter((file) => !existsSync(file))
if (missing.length > 0)
  throw new Error(`package.json names files the bundle did not write: ${missing.join(', ')}`)
