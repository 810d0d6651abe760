/**
 * Consent before installing a third-party plugin. A plugin runs inside the helper with the same access
 * as the helper: it can read every registry device secret in the account file. The project's own
 * plugins (`@atcr/…`) install without a question; any other needs a yes at a terminal, or `--trust`.
 */
import {PersonFacingError} from '../errors/person-facing-error.ts'
import {PromptCancelledError, type Prompter} from '../prompts/prompter.ts'

/** npm scope of the project's own plugins. */
export const FIRST_PARTY_SCOPE = '@atcr/'

/**
 * What `plugins install` is about to install, as @oclif/plugin-plugins parsed it, or the directory
 * `plugins link` is about to link.
 */
export type PluginToInstall =
  {type: 'npm'; name: string; tag?: string} | {type: 'repo'; url: string} | {type: 'link'; path: string}

export function isFirstPartyPlugin(plugin: PluginToInstall): boolean {
  return plugin.type === 'npm' && plugin.name.startsWith(FIRST_PARTY_SCOPE)
}

export function describePlugin(plugin: PluginToInstall): string {
  if (plugin.type === 'npm') return `${plugin.name}${plugin.tag ? `@${plugin.tag}` : ''}`
  return plugin.type === 'link' ? plugin.path : plugin.url
}

export function thirdPartyWarning(plugin: PluginToInstall, bin: string): string {
  return (
    `${describePlugin(plugin)} is not a plugin of the ${bin} project. Once installed it runs inside ${bin} ` +
    `with access to your registry device secrets (the account file) and can act as you on every registry.`
  )
}

/** The person did not (or could not) agree: exit 2, as for a missing flag. */
export class PluginNotTrustedError extends PersonFacingError {
  constructor(message: string) {
    super(message, {code: 'not_trusted', exit: 2})
  }
}

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
  const verb = plugin.type === 'link' ? 'link' : 'install'
  const rerun = `${bin} plugins ${verb} ${describePlugin(plugin)} --trust`
  if (!input.canPrompt) {
    throw new PluginNotTrustedError(
      `Not ${verb}ing ${describePlugin(plugin)}: a third-party plugin needs your confirmation and there is no terminal to ask. ` +
        `If you trust it, run: ${rerun}`,
    )
  }
  let confirmed: boolean
  try {
    confirmed = await input.prompter.confirm(
      `${verb === 'link' ? 'Link' : 'Install'} ${describePlugin(plugin)} and let it use your registry secrets?`,
      {
        initial: false,
      },
    )
  } catch (error) {
    if (error instanceof PromptCancelledError) confirmed = false
    else throw error
  }
  if (!confirmed)
    throw new PluginNotTrustedError(`Not ${verb}ing ${describePlugin(plugin)}. Nothing was changed.`)
  return 'confirmed'
}

let trustedByFlag = false

/** Set by `plugins install --trust` (and `plugins link --trust`) for the plugins:preinstall hook of the same process. */
export function rememberTrustFlag(trusted: boolean): void {
  trustedByFlag = trusted
}

export function trustFlagGiven(): boolean {
  return trustedByFlag
}
