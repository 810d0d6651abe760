/**
 * `npm run bundle` (part of `npm run build`, after tsc has written the declarations): every JavaScript
 * file in dist/ comes from here.
 *
 * 1. dist/entry.js — src/entry.ts and the protocol path in one module (src/entry.ts says why one module,
 *    and why built for node14).
 * 2. ES modules Node.js loads by path apart from oclif: the people script's loader, get with trusted
 *    plugins, the update notice's background refresh.
 * 3. dist/vendor/got.cjs — got, for the AppView client, apart from the script.
 * 4. dist/people.cjs — the people side: every command, hook, the help class, the package's index and
 *    oclif's entry, with @oclif/core and their other dependencies, as one script, which
 *    src/lib/cli/people-script.ts compiles with a V8 code cache of the functions a command ran (it says
 *    why). Unbundled, an installed people command spent most of its start loading @oclif/core and its
 *    dependencies as some 180 CommonJS files (resolution, stats, package.json reads, wrapping,
 *    compiling: about 40 ms of a 100 ms `version`), and what was left was V8 compiling oclif's functions.
 * 5. The doors: an ES module at each path package.json, oclif.manifest.json and src/entry.ts name
 *    (dist/commands/version.js, dist/hooks/update-notice.js, …), whose exports are those of its module in
 *    the script, so that every command, hook and the help class share one copy of oclif and of the
 *    project's modules (`instanceof` holds across them). Plugins from other packages
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
import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import {builtinModules} from 'node:module'
import path from 'node:path'
import {runInThisContext} from 'node:vm'

import {build, type BuildOptions, type Plugin} from 'esbuild'
import ts from 'typescript'

import {
  PEOPLE_SCRIPT_ID,
  runPeopleScript,
  SCRIPT_IMPORT,
  SCRIPT_URL,
  wrapPeopleScript,
} from '../src/lib/cli/people-script-wrapper.ts'

const BUILTINS = new Set(builtinModules)

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
  target: 'node22',
  logLevel: 'warning',
  plugins: [requireBuiltins],
  // The `require` that esbuild's require calls (built-ins, bundled CommonJS) use in an ES module.
  banner: {
    js: `import {createRequire as __createRequire} from 'module'\nconst require = __createRequire(import.meta.url)`,
  },
}

// 1. dist/entry.js
await build({
  ...common,
  entryPoints: ['src/entry.ts'],
  target: 'node14',
  external: ['@oclif/core'],
  outfile: 'dist/entry.js',
})

// 2. The ES modules Node.js loads by path apart from oclif: the people script's loader (imported by each
// door of 5), get with trusted plugins (src/entry.ts's GET_WITH_PLUGINS), and the update notice's
// background refresh (started by the prerun hook).
await build({
  ...common,
  entryPoints: [
    'src/lib/cli/people-script.ts',
    'src/lib/plugins/get-with-plugins.ts',
    'src/lib/update/refresh-in-background.ts',
  ],
  outbase: 'src',
  outdir: 'dist',
})
// src/commands/update.ts extends @oclif/plugin-update's command, whose modules (ink, yoga) use top-level
// await, which the CommonJS script cannot require: an ES module of its own, on node_modules' oclif.
await build({
  ...common,
  entryPoints: ['src/commands/update.ts'],
  outbase: 'src',
  outdir: 'dist',
  external: ['@oclif/core', '@oclif/plugin-update', 'got', 'enquirer'],
})

// 3. got, for the AppView client of people commands: a module of its own (some 450 KB with its
// dependencies), so that the commands that never ask an AppView do not read it. `module.exports` is got
// itself, the default import of src/lib/appview/client.ts.
const GOT = './vendor/got.cjs'
await build({
  ...common,
  stdin: {contents: "module.exports = require('got').default\n", resolveDir: '.', loader: 'js'},
  format: 'cjs',
  banner: {},
  outfile: path.join('dist', GOT),
})

/** The modules oclif (and src/entry.ts, and plugin authors) load by path, by their path in dist/ without `.js`. */
const pjson = JSON.parse(readFileSync('package.json', 'utf8')) as {
  exports: {'.': {import: string}}
  oclif: {commands: string; helpClass: string; hooks: Record<string, string | {target: string}>}
}
/** ./dist/<name>.js, as package.json names it → <name> */
const moduleName = (distPath: string) => distPath.replace(/^\.\/dist\//, '').replace(/\.js$/, '')
const sourcesIn = (dir: string) =>
  readdirSync(path.join('src', dir), {recursive: true, encoding: 'utf8'})
    .filter((file) => file.endsWith('.ts'))
    .map((file) => `${dir}/${file.split(path.sep).join('/')}`.replace(/\.ts$/, ''))
const PEOPLE_MODULES = [
  moduleName(pjson.exports['.'].import),
  moduleName(pjson.oclif.helpClass),
  ...sourcesIn(moduleName(pjson.oclif.commands)).filter((name) => name !== 'commands/update'),
  ...sourcesIn('hooks'),
  // src/entry.ts's RUN_OCLIF.
  'lib/cli/run-oclif',
]

// 4. dist/people.cjs, which src/lib/cli/people-script.ts loads with its code cache (it says why): one
// function per module above, which loads that module when first called, as `require` does.
const built = await build({
  ...common,
  stdin: {
    contents: `module.exports = {\n${PEOPLE_MODULES.map(
      (name) => `  ${JSON.stringify(name)}: () => require(${JSON.stringify(`./src/${name}.ts`)}),`,
    ).join('\n')}\n}\n`,
    resolveDir: '.',
    loader: 'js',
  },
  format: 'cjs',
  banner: {},
  define: {'import.meta.url': SCRIPT_URL},
  plugins: [
    requireBuiltins,
    oclifCommandSort,
    {
      name: 'vendor-got',
      setup: (bundle) => bundle.onResolve({filter: /^got$/}, () => ({path: GOT, external: true})),
    },
  ],
  outfile: 'dist/people.cjs',
  external: [
    // @oclif/core can run TypeScript plugins in development through the `typescript` package (10 MB),
    // never installed with this package.
    'typescript',
    // Loaded from node_modules as they are: each finds files beside its own module, which a bundle would
    // move — open its own xdg-open; @oclif/plugin-plugins npm, yarn and its rm.js. `plugins install`, which
    // extends the latter's command, then runs on that package's @oclif/core, as any plugin's command does.
    'open',
    '@oclif/plugin-plugins',
    '@oclif/plugin-update', // src/commands/update.ts extends its command, as plugins install does plugin-plugins
    // Only for a question in a terminal.
    'enquirer',
  ],
  write: false,
})
const script = finishScript(built.outputFiles[0]!.text)
writeFileSync(
  'dist/people.cjs',
  `${script}\n${PEOPLE_SCRIPT_ID}${createHash('sha256').update(script).digest('hex')}\n`,
)

/**
 * What esbuild's output needs to run from people-script.ts, and to run fast:
 * - A script compiled by node:vm cannot use import() without Node.js's experimental vm modules, so each
 *   import() (oclif loading commands, hooks and plugins; enquirer; open) becomes a call of __import,
 *   which people-script.ts passes in: its own import().
 * - One character beyond ASCII makes V8 hold the whole script as two-byte text (twice the memory, slower
 *   to read): esbuild escapes strings and names itself, and leaves comments and regular expressions,
 *   where `\uXXXX` means the same. Anywhere else the build stops.
 * Both found by parsing, not by searching text.
 */
function finishScript(code: string): string {
  // The wrapper's parameters: a declaration of either name in the script would hide it.
  for (const name of [SCRIPT_IMPORT, SCRIPT_URL])
    if (new RegExp(`\\b(?:var|let|const|function|class)\\s+${name}\\b`).test(code))
      throw new Error(`dist/people.cjs declares ${name}, a parameter of its wrapper (people-script.ts)`)
  const file = ts.createSourceFile('people.cjs', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS)
  const imports: number[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      imports.push(node.expression.getStart(file))
    if (node.getChildCount(file) === 0 && node.kind !== ts.SyntaxKind.RegularExpressionLiteral) {
      const text = node.getText(file)
      if (/[\u0080-\uffff]/.test(text))
        throw new Error(`dist/people.cjs: beyond ASCII in ${text.slice(0, 80)}`)
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  if (imports.length === 0)
    throw new Error('dist/people.cjs has no import(): has oclif stopped loading commands so?')
  let result = code
  for (const start of imports.reverse())
    result = `${result.slice(0, start)}${SCRIPT_IMPORT}${result.slice(start + 'import'.length)}`
  return result.replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

// 5. The doors: an ES module at each path above, whose exports are those of its module in the script.
const peopleModules = runPeopleScript(
  runInThisContext(wrapPeopleScript(script)),
  path.resolve('dist/people.cjs'),
  (specifier) => import(specifier),
)
const exportsOf = (name: string) => Object.keys(peopleModules[name]!()).filter((key) => key !== '__esModule')
for (const name of PEOPLE_MODULES) {
  const names = exportsOf(name)
  const loader = path.posix.relative(path.posix.dirname(`dist/${name}`), 'dist/lib/cli/people-script.js')
  const lines = [
    `// Written by scripts/bundle.ts: the code of src/${name}.ts is in dist/people.cjs.`,
    `import {peopleModule} from ${JSON.stringify(loader.startsWith('.') ? loader : `./${loader}`)}`,
    `const exported = peopleModule(${JSON.stringify(name)})`,
    ...(names.includes('default') ? ['export default exported.default'] : []),
    ...(names.some((key) => key !== 'default')
      ? [`export const {${names.filter((key) => key !== 'default').join(', ')}} = exported`]
      : []),
  ]
  writeFileSync(path.join('dist', `${name}.js`), `${lines.join('\n')}\n`)
}

if (!commandSortPatched)
  throw new Error('@oclif/core/lib/config/plugin.js was not bundled: see oclifCommandSort')

// Every file package.json names must be one of the doors: a hook outside src/hooks would be missing.
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
