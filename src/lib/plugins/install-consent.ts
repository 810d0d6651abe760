/**
 * Consent before installing a third-party plugin. A plugin runs inside the helper with the same access
 * as the helper: it can read every registry device secret in the account file. The project's own
 * plugins (`@atcr/…`) install without a question; any other needs a yes at a terminal, or `--trust`.
 */
import {PromptCancelledError, type Prompter} from '../prompts/prompter.ts'

/** npm scope of the project's own plugins. */
export const FIRST_PARTY_SCOPE = '@atcr/'

/** What `plugins install` is about to install, as @oclif/plugin-plugins parsed it. */
export type PluginToInstall = {type: 'npm'; name: string; tag?: string} | {type: 'repo'; url: string}

export function isFirstPartyPlugin(plugin: PluginToInstall): boolean {
  return plugin.type === 'npm' && plugin.name.startsWith(FIRST_PARTY_SCOPE)
}

export function describePlugin(plugin: PluginToInstall): string {
  return plugin.type === 'npm' ? `${plugin.name}${plugin.tag ? `@${plugin.tag}` : ''}` : plugin.url
}

export function thirdPartyWarning(plugin: PluginToInstall, bin: string): string {
  return (
    `${describePlugin(plugin)} is not a plugin of the ${bin} project. Once installed it runs inside ${bin} ` +
    `with access to your registry device secrets (the account file) and can act as you on every registry.`
  )
}

export class PluginNotTrustedError extends Error {}

export interface ConsentInput {
  plugin: PluginToInstall
  bin: string
  /** `--trust` was given. */
  trusted: boolean
  /** A person is at a terminal and CI is unset. */
  canPrompt: boolean
  prompter: Prompter
  warn: (line: string) => void
}

export type ConsentOutcome = 'first-party' | 'trusted by flag' | 'confirmed'

/** Resolves when the install may go ahead; throws PluginNotTrustedError when it may not. */
export async function requirePluginConsent(input: ConsentInput): Promise<ConsentOutcome> {
  const {plugin, bin} = input
  if (isFirstPartyPlugin(plugin)) return 'first-party'
  input.warn(`Warning: ${thirdPartyWarning(plugin, bin)}`)
  if (input.trusted) return 'trusted by flag'
  const rerun = `${bin} plugins install ${describePlugin(plugin)} --trust`
  if (!input.canPrompt) {
    throw new PluginNotTrustedError(
      `Not installing ${describePlugin(plugin)}: a third-party plugin needs your confirmation and there is no terminal to ask. ` +
        `If you trust it, run: ${rerun}`,
    )
  }
  let confirmed: boolean
  try {
    confirmed = await input.prompter.confirm(
      `Install ${describePlugin(plugin)} and let it use your registry secrets?`,
      {
        initial: false,
      },
    )
  } catch (error) {
    if (error instanceof PromptCancelledError) confirmed = false
    else throw error
  }
  if (!confirmed)
    throw new PluginNotTrustedError(`Not installing ${describePlugin(plugin)}. Nothing was changed.`)
  return 'confirmed'
}

let trustedByFlag = false

/** Set by `plugins install --trust` for the plugins:preinstall hook of the same process. */
export function rememberTrustFlag(trusted: boolean): void {
  trustedByFlag = trusted
}

export function trustFlagGiven(): boolean {
  return trustedByFlag
}
