/**
 * Which plugins the person allowed to run on `get` (`plugins trust <plugin>`), kept beside the account
 * file in `$ATCR_CONFIG_DIR/plugins-on-get.json` (default `~/.atcr/plugins-on-get.json`):
 *
 * ```json
 * {"version": 1, "plugins": {"atcr-plugin-example": {"version": "1.0.0", "root": "/abs/plugin",
 *   "hooks": [{"file": "/abs/plugin/hooks/identity.js", "export": "default"}]}}}
 * ```
 *
 * Trust is for the code the person trusted: `get` runs a plugin's hooks only while the package.json at
 * `root` still has the trusted version, every hook file still has the SHA-256 recorded at trust time
 * (`"sha256"` beside each hook), and every file under the root, which a hook can load, is still there
 * with its recorded SHA-256, and no file was added (`"files"` beside each hook, issue 17): an update, an
 * edit in place of the hook or of any module it imports, needs a new `plugins trust`.
 *
 * Trust boundary (issue 11, the rules themselves are in src/lib/trust/code-files.ts): on `get` the file
 * counts only when it and the config directory are owned by the user and not writable by the group or
 * others (readTrustedOnGet), and each hook file only when it resolves (realpath) inside the plugin's
 * root, is the user's own and unwritable by others, and still has its recorded hash; so must the root and
 * every file and directory under it (trustHolds, packageFiles in code-files.ts).
 *
 * The file holds absolute paths of the hook modules so that `get` can import them without loading oclif
 * or reading any plugin manifest. When the file does not exist (the default), src/entry.ts costs `get`
 * one stat and nothing else.
 */
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, realpathSync, rmSync} from 'node:fs'
import path from 'node:path'

import {writeFileAtomic} from '../config/atomic-write.ts'
import {
  CodeFileError,
  currentUid,
  directoryProblem,
  packageFiles,
  readGuardedFile,
} from '../trust/code-files.ts'

const NPM_PACKAGE_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/

/** The settings file lists each trusted plugin's files (at most MAX_PACKAGE_FILES each); anything larger is not ours. */
const MAX_SETTINGS_BYTES = 4 * 1024 * 1024
/** A hook module is read whole to hash it. */
const MAX_HOOK_BYTES = 8 * 1024 * 1024

/** Name of the settings file; src/entry.ts checks for it through trustedOnGetFile. */
export const TRUSTED_ON_GET_FILE = 'plugins-on-get.json'

export interface TrustedHookModule {
  /** Absolute path of the module. */
  file: string
  /** Its export holding the hook function. */
  export: string
  /** SHA-256 (hex) of the file's bytes when it was trusted. */
  sha256?: string
  /**
   * Every file under the plugin's root, which the hook can load, when it was trusted: relative path →
   * SHA-256 (hex), or `link:<relative target>` (packageFiles in src/lib/trust/code-files.ts).
   */
  files?: Record<string, string>
}

export interface TrustedPlugin {
  /** The plugin's version when it was trusted. */
  version?: string
  /** Absolute path of the plugin's root (its package.json). */
  root?: string
  hooks: TrustedHookModule[]
}

export interface TrustedOnGet {
  version: 1
  plugins: Record<string, TrustedPlugin>
}

export function trustedOnGetFile(configDirectory: string): string {
  return path.join(configDirectory, TRUSTED_ON_GET_FILE)
}

export class TrustedOnGetFileError extends Error {}

/**
 * The settings as `get` may honour them; an absent file means nothing is trusted. Throws a
 * TrustedOnGetFileError (get then runs without plugins, and ATCR_DEBUG says why) when the file or its
 * directory is not the user's own or is writable by others, when the file is not a regular file (a
 * FIFO or device never blocks: it is opened non-blocking), or when it is damaged.
 */
export function readTrustedOnGet(file: string, uid: number | undefined = currentUid()): TrustedOnGet {
  const directory = directoryProblem(path.dirname(file), uid)
  if (directory)
    throw new TrustedOnGetFileError(
      `${directory.path} is ${directory.problem}: plugins trusted on get are ignored${directory.fix ? ` (fix: ${directory.fix})` : ''}`,
    )
  return readSettings(file, {owned: true, uid})
}

/**
 * The settings for people commands (trust, untrust, the plugins hooks), which may rewrite them: the
 * same safe open, without the ownership rule (a loose file is fixed by being rewritten 0600).
 */
export function readTrustSettings(file: string): TrustedOnGet {
  return readSettings(file, {owned: false})
}

function readSettings(file: string, options: {owned: boolean; uid?: number}): TrustedOnGet {
  let text: string
  try {
    text = readGuardedFile(file, {maxBytes: MAX_SETTINGS_BYTES, ...options}).toString('utf8')
  } catch (error) {
    if ((error as CodeFileError).code === 'ENOENT') return {version: 1, plugins: {}}
    throw new TrustedOnGetFileError((error as Error).message)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new TrustedOnGetFileError(`${file}: not valid JSON`)
  }
  const plugins = (parsed as {plugins?: unknown})?.plugins
  if ((parsed as {version?: unknown})?.version !== 1 || typeof plugins !== 'object' || plugins === null)
    throw new TrustedOnGetFileError(`${file}: expected {"version": 1, "plugins": {…}}`)
  const result: TrustedOnGet = {version: 1, plugins: {}}
  for (const [name, entry] of Object.entries(plugins as Record<string, unknown>)) {
    // Only npm package names: never `__proto__`, which as a key would replace the object's prototype.
    if (!NPM_PACKAGE_NAME.test(name)) continue
    const hooks = (entry as {hooks?: unknown})?.hooks
    if (!Array.isArray(hooks)) continue
    const modules = hooks
      .filter(
        (hook): hook is TrustedHookModule =>
          typeof hook?.file === 'string' && path.isAbsolute(hook.file) && typeof hook?.export === 'string',
      )
      .map((hook) => {
        const files = recordedFiles(hook.files)
        return {
          file: hook.file,
          export: hook.export,
          ...(typeof hook.sha256 === 'string' && /^[0-9a-f]{64}$/.test(hook.sha256)
            ? {sha256: hook.sha256}
            : {}),
          ...(files ? {files} : {}),
        }
      })
    const {version, root} = entry as {version?: unknown; root?: unknown}
    result.plugins[name] = {
      ...(typeof version === 'string' ? {version} : {}),
      ...(typeof root === 'string' && path.isAbsolute(root) ? {root} : {}),
      hooks: modules,
    }
  }
  return result
}

/** A hook's recorded files, when every entry is a relative path inside the root with a hash or a link. */
function recordedFiles(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const files: Record<string, string> = {}
  for (const [relative, digest] of Object.entries(value as Record<string, unknown>)) {
    if (relative === '' || relative.startsWith('/') || relative.split('/').includes('..')) return undefined
    if (typeof digest !== 'string' || !/^(?:[0-9a-f]{64}|link:.+)$/.test(digest)) return undefined
    files[relative] = digest
  }
  return files
}

/** Write the settings (callers remove the file instead of writing an empty list, so get is back to one stat). */
export function writeTrustedOnGet(file: string, settings: TrustedOnGet): void {
  mkdirSync(path.dirname(file), {recursive: true, mode: 0o700})
  writeFileAtomic(
    file,
    `${JSON.stringify({version: settings.version, plugins: {...settings.plugins}}, null, 2)}\n`,
    0o600,
  )
}

/** Stop trusting some plugins; the file goes when none is left, so `get` is back to a single stat. */
export function untrustPlugins(
  file: string,
  names: readonly string[],
): {removed: string[]; remaining: string[]} {
  const settings = readTrustSettings(file)
  const removed = names.filter((name) => Object.hasOwn(settings.plugins, name))
  for (const name of removed) delete settings.plugins[name]
  const remaining = Object.keys(settings.plugins)
  if (remaining.length === 0) rmSync(file, {force: true})
  else if (removed.length > 0) writeTrustedOnGet(file, settings)
  return {removed, remaining}
}

/**
 * After plugins were uninstalled: forget the trust of every plugin that is no longer installed. Its hook
 * paths would otherwise stay in the file, so `get` would keep importing them, and whatever is later
 * installed at that path would run on `get` without being trusted.
 */
export function forgetUninstalledPlugins(file: string, installed: readonly string[]): string[] {
  if (!existsSync(file)) return []
  const stale = Object.keys(readTrustSettings(file).plugins).filter((name) => !installed.includes(name))
  return untrustPlugins(file, stale).removed
}

/**
 * The modules of a plugin's `identityFromCommandLine` hook, as absolute paths: its package.json declares
 * them relative to the plugin's root (`./hooks/identity.js`, or without the extension).
 */
export function identityHookModules(
  root: string,
  declared: readonly {target: string; identifier?: string}[],
  exists: (file: string) => boolean,
): TrustedHookModule[] {
  return declared.map(({target, identifier}) => {
    const file = path.resolve(root, target)
    const withExtension = [file, `${file}.js`, `${file}.mjs`].find((candidate) => exists(candidate)) ?? file
    return {file: withExtension, export: identifier ?? 'default'}
  })
}

/** The version in a plugin's package.json, or undefined when it cannot be read. */
export function installedPluginVersion(root: string): string | undefined {
  try {
    const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {version?: unknown})
      .version
    return typeof version === 'string' ? version : undefined
  } catch {
    return undefined
  }
}

/** SHA-256 (hex) of a hook file's bytes, read without blocking; `owned` applies the get rule. */
export function hookFileHash(file: string, options: {owned: boolean; uid?: number} = {owned: false}): string {
  return createHash('sha256')
    .update(readGuardedFile(file, {maxBytes: MAX_HOOK_BYTES, ...options}))
    .digest('hex')
}

/** Where a hook module really is, when that is inside the plugin's root; undefined otherwise. */
export function hookInsideRoot(root: string, file: string): string | undefined {
  try {
    const realRoot = realpathSync(root)
    const real = realpathSync(file)
    const relative = path.relative(realRoot, real)
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? real : undefined
  } catch {
    return undefined
  }
}

/**
 * The hook modules of a plugin as they are now, each with its hash and the files under the plugin's
 * root it can load, for `plugins trust` to record. Throws when a hook lies outside the plugin's root
 * (through `..` or a symlink), or when the root or anything under it breaks the owner/mode rule.
 */
export function hooksToTrust(root: string, hooks: readonly TrustedHookModule[]): TrustedHookModule[] {
  let files: Record<string, string>
  try {
    files = packageFiles(root)
  } catch (error) {
    throw new TrustedOnGetFileError((error as Error).message)
  }
  return hooks.map((hook) => {
    const real = hookInsideRoot(root, hook.file)
    if (real === undefined)
      throw new TrustedOnGetFileError(`${hook.file} is not a file inside the plugin's root ${root}`)
    // The rule get applies, applied now: the person learns at once, not from a plugin get skips.
    let sha256: string
    try {
      sha256 = hookFileHash(real, {owned: true})
    } catch (error) {
      throw new TrustedOnGetFileError((error as Error).message)
    }
    return {file: real, export: hook.export, sha256, files}
  })
}

/** What differs between the files recorded at trust time and those under the root now; undefined if none. */
function filesChange(root: string, recorded: Record<string, string>, now: Record<string, string>) {
  const where = (relative: string) => path.join(root, ...relative.split('/'))
  for (const [relative, digest] of Object.entries(recorded)) {
    if (now[relative] === undefined) return `${where(relative)} was removed since it was trusted`
    if (now[relative] !== digest) return `${where(relative)} changed since it was trusted`
  }
  for (const relative of Object.keys(now))
    if (recorded[relative] === undefined) return `${where(relative)} was added since it was trusted`
  return undefined
}

/**
 * Whether the trust still holds, on `get` and for the plugins hooks: the plugin's installed version is
 * the one the person trusted, and every hook file resolves inside the plugin's root, is the user's own
 * and not writable by others, and has the SHA-256 recorded when it was trusted. `installed` is what its
 * package.json says now (undefined when it cannot be read); `reason` says why the trust does not hold.
 */
export function trustHolds(
  plugin: TrustedPlugin,
  installedVersion: (root: string) => string | undefined = installedPluginVersion,
  uid: number | undefined = currentUid(),
): {holds: boolean; installed?: string; reason?: string} {
  const installed = plugin.root ? installedVersion(plugin.root) : undefined
  if (plugin.version === undefined || installed !== plugin.version)
    return {
      holds: false,
      installed,
      reason: `trusted at ${plugin.version ?? 'an unknown version'}, installed ${installed ?? 'unknown'}`,
    }
  let files: Record<string, string> | undefined
  for (const hook of plugin.hooks) {
    const real = plugin.root ? hookInsideRoot(plugin.root, hook.file) : undefined
    if (real === undefined)
      return {
        holds: false,
        installed,
        reason: `${hook.file} does not resolve inside the plugin's root ${plugin.root ?? '(unknown)'}`,
      }
    if (hook.sha256 === undefined)
      return {
        holds: false,
        installed,
        reason: `no content hash was recorded for ${hook.file} (trusted by an older version)`,
      }
    let hash: string
    try {
      hash = hookFileHash(real, {owned: true, uid})
    } catch (error) {
      return {holds: false, installed, reason: (error as Error).message}
    }
    if (hash !== hook.sha256)
      return {holds: false, installed, reason: `${hook.file} changed since it was trusted`}
    if (hook.files === undefined)
      return {
        holds: false,
        installed,
        reason: `no record of the files under ${plugin.root} that ${hook.file} can load (trusted by an older version)`,
      }
    try {
      // Once for all hooks: they share the root.
      files ??= packageFiles(plugin.root!, uid)
    } catch (error) {
      return {holds: false, installed, reason: (error as Error).message}
    }
    const change = filesChange(realpathSync(plugin.root!), hook.files, files)
    if (change) return {holds: false, installed, reason: change}
  }
  return {holds: true, installed}
}

/** Trusted plugins whose trust no longer holds (new version, changed or moved hook files): `get` skips them. */
export function changedTrustedPlugins(
  file: string,
  installedVersion?: (root: string) => string | undefined,
): {name: string; trusted?: string; installed?: string; reason?: string}[] {
  if (!existsSync(file)) return []
  const changed: {name: string; trusted?: string; installed?: string; reason?: string}[] = []
  for (const [name, plugin] of Object.entries(readTrustSettings(file).plugins)) {
    const {holds, installed, reason} = trustHolds(plugin, installedVersion)
    if (!holds) changed.push({name, trusted: plugin.version, installed, reason})
  }
  return changed
}
