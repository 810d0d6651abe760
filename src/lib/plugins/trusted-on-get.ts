/**
 * Which plugins the person allowed to run on `get` (`plugins trust <plugin>`), kept beside the account
 * file in `$ATCR_CONFIG_DIR/plugins-on-get.json` (default `~/.atcr/plugins-on-get.json`):
 *
 * ```json
 * {"version": 1, "plugins": {"atcr-plugin-example": {"version": "1.0.0", "root": "/abs/plugin",
 *   "hooks": [{"file": "/abs/plugin/hooks/identity.js", "export": "default"}]}}}
 * ```
 *
 * Trust is for the version the person trusted: `get` runs a plugin's hooks only while the package.json
 * at `root` still has that version, so an update (new code) needs a new `plugins trust`.
 *
 * The file holds absolute paths of the hook modules so that `get` can import them without loading oclif
 * or reading any plugin manifest. When the file does not exist (the default), bin/run.js costs `get`
 * one stat and nothing else.
 */
import {existsSync, mkdirSync, readFileSync, rmSync} from 'node:fs'
import path from 'node:path'

import {writeFileAtomic} from '../config/atomic-write.ts'

/** Name of the settings file; bin/run.js checks for it by this name (keep both in step). */
export const TRUSTED_ON_GET_FILE = 'plugins-on-get.json'

export interface TrustedHookModule {
  /** Absolute path of the module. */
  file: string
  /** Its export holding the hook function. */
  export: string
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

/** The settings; an absent file means nothing is trusted. An unreadable one is an error for people commands. */
export function readTrustedOnGet(file: string): TrustedOnGet {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {version: 1, plugins: {}}
    throw new TrustedOnGetFileError(`${file}: ${(error as Error).message}`)
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
    const hooks = (entry as {hooks?: unknown})?.hooks
    if (!Array.isArray(hooks)) continue
    const modules = hooks.filter(
      (hook): hook is TrustedHookModule =>
        typeof hook?.file === 'string' && path.isAbsolute(hook.file) && typeof hook?.export === 'string',
    )
    const {version, root} = entry as {version?: unknown; root?: unknown}
    result.plugins[name] = {
      ...(typeof version === 'string' ? {version} : {}),
      ...(typeof root === 'string' && path.isAbsolute(root) ? {root} : {}),
      hooks: modules,
    }
  }
  return result
}

/** Write the settings (callers remove the file instead of writing an empty list, so get is back to one stat). */
export function writeTrustedOnGet(file: string, settings: TrustedOnGet): void {
  mkdirSync(path.dirname(file), {recursive: true, mode: 0o700})
  writeFileAtomic(file, `${JSON.stringify(settings, null, 2)}\n`, 0o600)
}

/** Stop trusting some plugins; the file goes when none is left, so `get` is back to a single stat. */
export function untrustPlugins(
  file: string,
  names: readonly string[],
): {removed: string[]; remaining: string[]} {
  const settings = readTrustedOnGet(file)
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
  const stale = Object.keys(readTrustedOnGet(file).plugins).filter((name) => !installed.includes(name))
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

/**
 * Whether the trust still holds: the plugin's installed version is the one the person trusted. `installed`
 * is what its package.json says now (undefined when it cannot be read).
 */
export function trustHolds(
  plugin: TrustedPlugin,
  installedVersion: (root: string) => string | undefined = installedPluginVersion,
): {holds: boolean; installed?: string} {
  const installed = plugin.root ? installedVersion(plugin.root) : undefined
  return {holds: plugin.version !== undefined && installed === plugin.version, installed}
}

/** Trusted plugins whose installed version is no longer the trusted one: `get` skips them. */
export function changedTrustedPlugins(
  file: string,
  installedVersion?: (root: string) => string | undefined,
): {name: string; trusted?: string; installed?: string}[] {
  if (!existsSync(file)) return []
  const changed: {name: string; trusted?: string; installed?: string}[] = []
  for (const [name, plugin] of Object.entries(readTrustedOnGet(file).plugins)) {
    const {holds, installed} = trustHolds(plugin, installedVersion)
    if (!holds) changed.push({name, trusted: plugin.version, installed})
  }
  return changed
}
