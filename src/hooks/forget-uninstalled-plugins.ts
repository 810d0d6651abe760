/**
 * `plugins:postuninstall` (plugins uninstall / unlink / remove) and `postrun` of `plugins reset`: a plugin
 * that is gone is no longer trusted on `get` (src/lib/plugins/trusted-on-get.ts). `plugins reset` runs no
 * uninstall hook of its own; without `--reinstall` it leaves only the core plugins.
 */
import type {Hook} from '@oclif/core'
import {homedir} from 'node:os'

import {accountFilePaths} from '../lib/config/account-store.ts'
import {forgetUninstalledPlugins, trustedOnGetFile} from '../lib/plugins/trusted-on-get.ts'

function forget(bin: string, installed: readonly string[]): void {
  try {
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
  forget(
    config.bin,
    config.getPluginsList().map((plugin) => plugin.name),
  )
}

export const afterReset: Hook.Postrun = async function ({Command, argv, config}) {
  if (Command.id !== 'plugins:reset' || argv.includes('--reinstall')) return
  forget(
    config.bin,
    config
      .getPluginsList()
      .filter((plugin) => plugin.type === 'core')
      .map((plugin) => plugin.name),
  )
}
