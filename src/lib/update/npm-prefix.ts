/**
 * The npm command that updates an npm install in place. `npm i -g` installs under npm's global prefix
 * (npm_config_prefix, else the prefix of the Node.js running npm); a copy installed under another
 * prefix (`npm i -g --prefix ~/.npm-global`, a prefix set in .npmrc, another Node.js) would be left
 * as it is and a second copy installed. So when the prefix this copy lives under is not the one npm
 * would use by default, the printed command names it with `--prefix`.
 *
 * Global layout: `<prefix>/lib/node_modules/<name>` on POSIX, `<prefix>\node_modules\<name>` on Windows.
 */
import path from 'node:path'

const pathFor = (platform: NodeJS.Platform) => (platform === 'win32' ? path.win32 : path.posix)

/** The value of an npm setting given in the environment (npm reads `npm_config_*` whatever its case). */
export function npmEnvSetting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const wanted = `npm_config_${name}`
  const key = Object.keys(env).find((candidate) => candidate.toLowerCase() === wanted && env[candidate])
  return key === undefined ? undefined : env[key]
}

/** The global prefix a package installed at `root` was installed under; undefined when not a global layout. */
export function installPrefix(
  root: string,
  packageName: string,
  platform: NodeJS.Platform,
): string | undefined {
  const paths = pathFor(platform)
  const parts = paths.resolve(root).split(paths.sep)
  const tail = [...(platform === 'win32' ? [] : ['lib']), 'node_modules', ...packageName.split('/')]
  if (parts.length <= tail.length) return undefined
  const same = (a: string, b: string) =>
    platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b
  const suffix = parts.slice(-tail.length)
  if (!tail.every((part, i) => same(part, suffix[i]!))) return undefined
  const prefix = parts.slice(0, -tail.length).join(paths.sep)
  // The root of a drive or of the file system keeps its separator (`/`, `C:\`).
  return prefix === '' || /^[A-Za-z]:$/.test(prefix) ? prefix + paths.sep : prefix
}

/** npm's global prefix for a Node.js when nothing sets one: above its bin/ on POSIX, its own directory on Windows. */
export function defaultGlobalPrefix(execPath: string, platform: NodeJS.Platform): string {
  const paths = pathFor(platform)
  const directory = paths.dirname(paths.resolve(execPath))
  return platform === 'win32' ? directory : paths.dirname(directory)
}

function samePath(a: string, b: string, platform: NodeJS.Platform): boolean {
  const paths = pathFor(platform)
  const [left, right] = [paths.resolve(a), paths.resolve(b)]
  return platform === 'win32' ? left.toLowerCase() === right.toLowerCase() : left === right
}

export interface NpmPrefixFacts {
  /** oclif's `config.root`: the installed package's directory. */
  root: string
  packageName: string
  /** `process.execPath`: the Node.js running this copy (whose npm the person most likely runs). */
  execPath: string
  env: NodeJS.ProcessEnv
  platform: NodeJS.Platform
}

/**
 * The prefix the npm command must name so that it updates this copy, or undefined when the plain
 * `npm i -g` already installs there (or no global prefix can be read off the install).
 */
export function prefixToKeep(facts: NpmPrefixFacts): string | undefined {
  const prefix = installPrefix(facts.root, facts.packageName, facts.platform)
  if (prefix === undefined) return undefined
  const configured = npmEnvSetting(facts.env, 'prefix')
  const differs =
    !samePath(prefix, defaultGlobalPrefix(facts.execPath, facts.platform), facts.platform) ||
    (configured !== undefined && !samePath(prefix, configured, facts.platform))
  return differs ? prefix : undefined
}

/**
 * One argument quoted so that the line can be pasted: single quotes for POSIX shells; double quotes on
 * Windows, which both cmd.exe and PowerShell take (a Windows path cannot contain a double quote).
 */
export function quoteForShell(text: string, platform: NodeJS.Platform): string {
  if (platform === 'win32') return `"${text}"`
  return `'${text.replaceAll("'", `'\\''`)}'`
}

/** `npm i -g [--prefix '<prefix>'] <name>@<tag or version>`. */
export function npmInstallCommand(
  packageName: string,
  spec: string,
  options: {prefix?: string; platform?: NodeJS.Platform} = {},
): string {
  const prefix =
    options.prefix === undefined
      ? ''
      : ` --prefix ${quoteForShell(options.prefix, options.platform ?? process.platform)}`
  return `npm i -g${prefix} ${packageName}@${spec}`
}
