/**
 * oclif `plugins:preinstall` hook (run by @oclif/plugin-plugins before each plugin it installs): warn
 * that a third-party plugin gets access to the registry secrets and require consent
 * (src/lib/plugins/install-consent.ts).
 */
import type {Hook} from '@oclif/core/hooks'

import {
  PluginNotTrustedError,
  type PluginToInstall,
  requirePluginConsent,
  trustFlagGiven,
} from '../lib/plugins/install-consent.ts'
import {enquirerPrompter, promptsAllowed} from '../lib/prompts/prompter.ts'

const hook: Hook.PluginsPreinstall = async function ({config, plugin}) {
  try {
    await requirePluginConsent({
      plugin: plugin as PluginToInstall,
      bin: config.bin,
      trusted: trustFlagGiven(),
      canPrompt: promptsAllowed(process),
      prompter: enquirerPrompter(),
      warn: (line) => process.stderr.write(`${line}\n`),
    })
  } catch (error) {
    if (error instanceof PluginNotTrustedError) this.error(error.message, {exit: 2})
    throw error
  }
}

export default hook
