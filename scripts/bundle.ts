/**
 * `npm run bundle` (part of `npm run build`, after tsc has written the declarations): every JavaScript
 * file in dist/ comes from esbuild, in three builds.
 *
 * 1. dist/entry.js — src/entry.ts and the protocol path in one module (src/entry.ts says why one module,
 *    and why built for node14).
 * 2. dist/oclif.cjs — @oclif/core (the parts the people side imports) and its dependencies as one
 *    script, which src/lib/cli/load-oclif.ts compiles with a V8 code cache of the functions a command
 *    ran (it says why). Built after 3, which decides what it holds.
 * 3. The people side — oclif's entry (dist/lib/cli/run-oclif.js), each command, each hook, the help
 *    class, the package's index — as ES modules that share code through chunks (dist/chunk-*.js), with
 *    their dependencies inside and @oclif/core read from dist/oclif.cjs. Why bundles: unbundled, an
 *    installed people command spent most of its start loading @oclif/core and its dependencies as some
 *    180 CommonJS files (resolution, stats, package.json reads, wrapping, compiling: about 40 ms of a
 *    100 ms `version`). Each file keeps the path it has under tsc (outbase src), so package.json's
 *    `oclif.commands`, `hooks`, `helpClass`, `exports` and the generated oclif.manifest.json name the
 *    same files; every command, hook and the help class share the one copy of @oclif/core and of the
 *    project's modules, so `instanceof` holds across files. Plugins from other packages
 *    (@oclif/plugin-help, @oclif/plugin-plugins, third parties) load from node_modules with their own
 *    @oclif/core, as they would beside any other oclif CLI.
 *
 * Node.js built-ins are loaded through `require`, not `import`, in both builds and by the dependencies'
 * ES modules too: importing a built-in as ESM builds its ESM facade, which reads every export, and
 * `node:fs`'s lazy `ReadStream` getter then loads fs/promises, readline and the stream pipeline — a few
 * milliseconds on every `get` for code it never runs; on every people command, oclif's platform check
 * imports wsl-utils, whose `node:process` and `node:util` facades loaded the diagnostic report, worker
 * and stream code. `require('fs')` returns the module as it is; each export is read when used.
 */
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import {builtinModules, createRequire} from 'node:module'
import path from 'node:path'

import {build, type BuildOptions, type Plugin} from 'esbuild'
import ts from 'typescript'

const BUILTINS = new Set(builtinModules)
const requireAtBuild = createRequire(import.meta.url)

/**
 * Getters a dependency imports by name (got: `import {promises} from 'node:dns'`), exported all the same;
 * they are read when the built-in's module is first evaluated, which only that dependency's code does.
 */
const GETTERS_DEPENDENCIES_IMPORT: Record<string, string[]> = {dns: ['promises']}

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
  const exported = [...(JSON.parse(child.stdout) as string[]), ...(GETTERS_DEPENDENCIES_IMPORT[name] ?? [])]
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

/**
 * The one change to third-party code, made while bundling: @oclif/core's Plugin.load sorts each plugin's
 * commands with `localeCompare`, and the first `localeCompare` in a process builds ICU's collator —
 * about 5 ms, on every people command, for an order nothing depends on (help sorts commands itself; ids
 * are lowercase ASCII words, `-` and `:`, which both orders rank alike). The ids are compared by code
 * unit instead. If @oclif/core changes this line, the build stops here: look again rather than ship
 * the collator silently.
 */
const PLUGIN_SORT = '.sort((a, b) => a.id.localeCompare(b.id));'
let commandSortPatched = false
const oclifCommandSort: Plugin = {
  name: 'oclif-command-sort',
  setup(bundle) {
    bundle.onLoad({filter: /[\\/]@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/}, (args) => {
      const text = readFileSync(args.path, 'utf8')
      if (text.split(PLUGIN_SORT).length !== 2)
        throw new Error(
          `${args.path}: expected "${PLUGIN_SORT}" once (see scripts/bundle.ts, oclifCommandSort)`,
        )
      commandSortPatched = true
      return {
        contents: text.replace(PLUGIN_SORT, '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));'),
        loader: 'js',
      }
    })
  },
}

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  logLevel: 'warning',
  plugins: [requireBuiltins],
  // The `require` that esbuild's require calls (built-ins, bundled CommonJS) use in an ES module.
  banner: {
    js: `import {createRequire as __createRequire} from 'module'\nconst require = __createRequire(import.meta.url)`,
  },
}

await build({
  ...common,
  entryPoints: ['src/entry.ts'],
  target: 'node14',
  external: ['@oclif/core'],
  outfile: 'dist/entry.js',
})

const OCLIF_CORE = '@oclif/core'
const oclifExports = Object.keys(
  (
    JSON.parse(readFileSync(requireAtBuild.resolve(`${OCLIF_CORE}/package.json`), 'utf8')) as {
      exports: object
    }
  ).exports,
).filter((subpath) => subpath !== './package.json')
/** The parts of @oclif/core the ES-module build imports: dist/oclif.cjs holds those. */
const oclifPartsImported = new Set<string>()

/**
 * In the ES-module build, `@oclif/core` and `@oclif/core/<part>` are a module that reads that part from
 * dist/oclif.cjs through load-oclif.ts, with the part's export names, so one copy of oclif serves every
 * command, hook and the help class.
 */
const LOAD_OCLIF = path.resolve('src/lib/cli/load-oclif.ts')
const oclifFromLoader: Plugin = {
  name: 'oclif-from-loader',
  setup(bundle) {
    bundle.onResolve({filter: /^@oclif\/core(\/.*)?$/}, (args) => {
      const subpath = `.${args.path.slice(OCLIF_CORE.length)}`
      if (!oclifExports.includes(subpath))
        return {errors: [{text: `${args.path} is not an export of ${OCLIF_CORE}`}]}
      return {path: subpath, namespace: 'oclif-core'}
    })
    bundle.onLoad({filter: /.*/, namespace: 'oclif-core'}, (args) => {
      oclifPartsImported.add(args.path)
      const names = Object.keys(requireAtBuild(OCLIF_CORE + args.path.slice(1)) as object).filter((name) =>
        /^[A-Za-z_$][\w$]*$/.test(name),
      )
      return {
        contents: [
          `import {oclifModules} from ${JSON.stringify(LOAD_OCLIF)}`,
          `const part = oclifModules[${JSON.stringify(args.path)}]()`,
          'export default part',
          names.length > 0 ? `export const {${names.join(', ')}} = part` : '',
        ].join('\n'),
        loader: 'js',
        resolveDir: '.',
      }
    })
  },
}

/** ./dist/<path>.js, as package.json names it → src/<path>.ts */
const source = (distPath: string) => distPath.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')
const pjson = JSON.parse(readFileSync('package.json', 'utf8')) as {
  exports: {'.': {import: string}}
  oclif: {commands: string; helpClass: string; hooks: Record<string, string | {target: string}>}
}
const sources = (dir: string) =>
  readdirSync(dir, {recursive: true, encoding: 'utf8'})
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(dir, file))

const people = await build({
  ...common,
  entryPoints: [
    source(pjson.exports['.'].import),
    source(pjson.oclif.helpClass),
    ...sources(source(pjson.oclif.commands)),
    ...sources('src/hooks'),
    // Loaded by path: src/entry.ts's RUN_OCLIF and GET_WITH_PLUGINS, and the script the update notice starts.
    'src/lib/cli/run-oclif.ts',
    'src/lib/plugins/get-with-plugins.ts',
    'src/lib/update/refresh-in-background.ts',
  ],
  plugins: [requireBuiltins, oclifFromLoader],
  outbase: 'src',
  outdir: 'dist',
  splitting: true,
  target: 'node22',
  metafile: true,
  // Loaded from node_modules as they are: each finds files beside its own module, which a bundle would
  // move — open its own xdg-open; @oclif/plugin-plugins npm, yarn and its rm.js. `plugins install`, which
  // extends the latter's command, then runs on that package's @oclif/core, as any plugin's command does.
  external: ['open', '@oclif/plugin-plugins'],
})

/**
 * dist/oclif.cjs: @oclif/core and its dependencies as one script, which src/lib/cli/load-oclif.ts
 * compiles with a V8 code cache (it says why). Its exports are functions, one per part of @oclif/core the
 * ES-module build imports, that load that part when first called, as `require` would.
 */
await build({
  ...common,
  stdin: {
    contents: `module.exports = {\n${[...oclifPartsImported]
      .sort()
      .map(
        (subpath) =>
          `  ${JSON.stringify(subpath)}: () => require(${JSON.stringify(OCLIF_CORE + subpath.slice(1))}),`,
      )
      .join('\n')}\n}\n`,
    resolveDir: '.',
    loader: 'js',
  },
  format: 'cjs',
  banner: {},
  plugins: [requireBuiltins, oclifCommandSort],
  outfile: 'dist/oclif.cjs',
  target: 'node22',
  // @oclif/core can run TypeScript plugins in development through the `typescript` package (10 MB),
  // never installed with this package.
  external: ['typescript'],
  write: false,
}).then(({outputFiles}) => writeFileSync('dist/oclif.cjs', withImportsThroughLoader(outputFiles[0]!.text)))

/**
 * A script compiled by node:vm cannot use import() without Node.js's experimental vm modules, so each
 * import() in the bundle (oclif loading commands, hooks and plugins as ES modules) becomes a call of
 * __import, which load-oclif.ts passes in: its own import(). Found by parsing, not by searching text.
 */
function withImportsThroughLoader(code: string): string {
  const file = ts.createSourceFile('oclif.cjs', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS)
  const starts: number[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      starts.push(node.expression.getStart(file))
    ts.forEachChild(node, visit)
  }
  if (/\b__import\b/.test(code)) throw new Error('dist/oclif.cjs already has a name __import')
  visit(file)
  if (starts.length === 0)
    throw new Error('dist/oclif.cjs has no import(): has oclif stopped loading commands so?')
  let result = code
  for (const start of starts.reverse())
    result = `${result.slice(0, start)}__import${result.slice(start + 'import'.length)}`
  return result
}

// load-oclif.ts finds oclif.cjs beside itself: its code must lie in a chunk in dist/, not in a command's file.
const loaderOutputs = Object.entries(people.metafile.outputs)
  .filter(([, output]) => Object.keys(output.inputs).includes(path.relative('.', LOAD_OCLIF)))
  .map(([file]) => file)
if (loaderOutputs.length !== 1 || path.dirname(loaderOutputs[0]!) !== 'dist')
  throw new Error(
    `src/lib/cli/load-oclif.ts was bundled into ${loaderOutputs.join(', ')}, not one file in dist/`,
  )

if (!commandSortPatched)
  throw new Error('@oclif/core/lib/config/plugin.js was not bundled: see oclifCommandSort')

// Every file package.json names must be one of the outputs: a hook outside src/hooks would be missing.
const named = [
  pjson.exports['.'].import,
  pjson.oclif.helpClass,
  ...Object.values(pjson.oclif.hooks)
    .flat()
    .map((hook) => (typeof hook === 'string' ? hook : hook.target)),
]
const missing = named.filter((file) => !existsSync(file))
if (missing.length > 0)
  throw new Error(`package.json names files the bundle did not write: ${missing.join(', ')}`)
