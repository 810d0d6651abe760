/**
 * `plugins:postuninstall` (plugins uninstall / unlink / remove) and `postrun` of `plugins reset`: a plugin
 * that is gone is no longer trusted on `get` (src/lib/plugins/trusted-on-get.ts). `plugins reset` runs no
 * uninstall hook of its own; without `--reinstall` it leaves only the core plugins.
 * `postrun` of `plugins update|install|link`: a trusted plugin whose version or hook files changed is
 * skipped by `get` until trusted again; say so.
 * `postrun` of `plugins` (the list): warn when the config directory or the trust settings could be
 * written by someone else (get then ignores trusted plugins), with the exact chmod.
 */
import type {Hook} from '@oclif/core/hooks'
import {homedir} from 'node:os'

/**
 * The trust code, loaded only when a hook acts: `postrun` runs after every command, and all but the
 * plugins commands leave at once without it.
 */
async function trustModules() {
  const [{accountFilePaths}, trusted, {looseCodeFilesWarning}] = await Promise.all([
    import('../lib/config/account-store.ts'),
    import('../lib/plugins/trusted-on-get.ts'),
    import('../lib/trust/code-files.ts'),
  ])
  return {accountFilePaths, ...trusted, looseCodeFilesWarning}
}

async function forget(bin: string, installed: readonly string[]): Promise<void> {
  try {
    const {accountFilePaths, forgetUninstalledPlugins, trustedOnGetFile} = await trustModules()
    const file = trustedOnGetFile(accountFilePaths(process.env, homedir()).directory)
    for (const name of forgetUninstalledPlugins(file, installed))
      process.stderr.write(`${name} no longer runs on get (it is not installed any more).\n`)
  } catch (error) {
    process.stderr.write(
      `Warning: could not update the plugins trusted on get (${(error as Error).message}). Check them with: ${bin} plugins untrust <plugin>\n`,
    )
  }
}

export const afterUninstall: Hook<'plugins:postuninstall'> = async function ({config}) {
  await forget(
    config.bin,
    config.getPluginsList().map((plugin) => plugin.name),
  )
}

/** After a command that may have brought a trusted plugin's new version: say that get now skips it. */
async function reportChanged(bin: string): Promise<void> {
  try {
    const {accountFilePaths, changedTrustedPlugins, trustedOnGetFile} = await trustModules()
    const file = trustedOnGetFile(accountFilePaths(process.env, homedir()).directory)
    for (const {name, trusted, installed, reason} of changedTrustedPlugins(file)) {
      const what =
        installed === trusted
          ? `${name} changed (${reason ?? 'its hook files are not the trusted ones'})`
          : `${name} is now ${installed ?? 'at an unknown version'} (trusted at ${trusted ?? 'an unknown version'})`
      process.stderr.write(`${what}: it no longer runs on get until you run: ${bin} plugins trust ${name}\n`)
    }
  } catch {
    // The trust file is checked again by get itself, which skips a plugin whose version changed.
  }
}

const MAY_CHANGE_VERSIONS = new Set(['plugins:update', 'plugins:install', 'plugins:link'])

/** After `plugins` (the list): a loose config directory makes get ignore every trusted plugin; say how to fix it. */
async function warnLoose(): Promise<void> {
  try {
    const {accountFilePaths, looseCodeFilesWarning, trustedOnGetFile} = await trustModules()
    const directory = accountFilePaths(process.env, homedir()).directory
    const warning = looseCodeFilesWarning(directory, trustedOnGetFile(directory))
    if (warning) process.stderr.write(`${warning}\n`)
  } catch {
    // Nothing to say: get checks again itself.
  }
}

export const afterPluginsCommand: Hook.Postrun = async function ({Command, argv, config}) {
  if (Command.id === 'plugins') {
    await warnLoose()
    return
  }
  if (MAY_CHANGE_VERSIONS.has(Command.id)) {
    await reportChanged(config.bin)
    return
  }
  if (Command.id !== 'plugins:reset' || argv.includes('--reinstall')) return
  await forget(
    config.bin,
    config
      .getPluginsList()
      .filter((plugin) => plugin.type === 'core')
      .map((plugin) => plugin.name),
  )
}
