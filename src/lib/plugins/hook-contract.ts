/**
 * The hooks a third-party plugin may implement to extend docker-credential-atcr.
 *
 * A plugin is an oclif plugin package (see docs/plugins.md). It declares its hooks in its package.json:
 *
 * ```json
 * {"oclif": {"hooks": {
 *   "registries": "./hooks/registries.js",
 *   "identityFromCommandLine": "./hooks/identity.js"
 * }}}
 * ```
 *
 * and each file's default export is a function of the matching type below:
 *
 * ```ts
 * import type {AtcrHook} from 'docker-credential-atcr'
 * const hook: AtcrHook<'registries'> = async () => [{host: 'cr.example.com', appViewUrl: 'https://appview.example.com'}]
 * export default hook
 * ```
 *
 * Every hook runs inside the helper, with access to the person's registry secrets: install only
 * plugins you trust (`plugins install` asks first).
 *
 * @packageDocumentation
 */

/** A registry a plugin makes known to the helper. */
export interface RegistryContribution {
  /**
   * The registry host as Docker names it: `cr.example.com`, `cr.example.com:5000`. Compared after the
   * helper's usual canonicalisation (lower case, default port dropped).
   */
  host: string
  /**
   * Base URL of the registry's ATCR AppView (`https://appview.example.com`, no trailing slash needed).
   * People commands (login, status, configure-docker…) use it for the host instead of the built-in rule
   * (`https://<host>`, or `http://` for loopback and insecure registries). An account's stored
   * `appview_url` still wins over it.
   */
  appViewUrl: string
  /** One line shown to people next to the registry, e.g. the operator's name. */
  description?: string
}

/** Options of the `registries` hook. */
export type RegistriesHookOptions = Record<string, never>

/** Options of the `identityFromCommandLine` hook. */
export type IdentityFromCommandLineOptions = {
  /**
   * The command line of a process that started the helper (the container client, or a process further
   * up when the client was started by a shell or a shim), `argv[0]` first. Read-only.
   */
  argv: readonly string[]
  /** Canonical registry host the client asked credentials for (`atcr.io`, `localhost:5000`). */
  host: string
}

/**
 * Every hook of the contract: its event name, the options it is called with and what it returns.
 * Shaped like oclif's `Hooks` map so `Hook<'registries', AtcrHooks>` also works.
 */
export interface AtcrHooks {
  [event: string]: {options: Record<string, unknown>; return: unknown}
  /**
   * Contribute registries (host → AppView URL). Runs for people commands only, never for the Docker
   * protocol verbs. Return an empty array to contribute nothing. Must answer within 2 seconds.
   */
  registries: {options: RegistriesHookOptions; return: RegistryContribution[]}
  /**
   * Name the account a client means, from the command line of a client the helper does not know
   * (the helper itself understands `docker`, `podman`, `buildah`, `skopeo`, `nerdctl`, … image references).
   *
   * Return the account's handle or DID, or `undefined` when the command line says nothing about it. The
   * helper uses the answer only when it names an account the person is signed in with on `host`, and only
   * when its own command-line rule found none; `ATCR_ACCOUNT` still wins.
   *
   * Runs on `get` — the path of every pull and push — only for plugins the person trusted with
   * `plugins trust <plugin>`; there it is called without oclif (no `config`, no `this`), must not touch
   * the network or the terminal, and is abandoned after {@link IDENTITY_HOOK_BUDGET_MS} ms.
   */
  identityFromCommandLine: {options: IdentityFromCommandLineOptions; return: string | undefined}
}

/** The names of the hooks in {@link AtcrHooks}. */
export type AtcrHookName = 'identityFromCommandLine' | 'registries'

/**
 * The function a hook file exports. `config` is oclif's Config when the hook runs under a people
 * command, and absent when `identityFromCommandLine` runs on the `get` path.
 */
export type AtcrHook<Name extends AtcrHookName> = (
  options: AtcrHooks[Name]['options'] & {config?: unknown},
) => AtcrHooks[Name]['return'] | Promise<AtcrHooks[Name]['return']>

/** How long `get` waits for all trusted identity hooks together before answering without them. */
export const IDENTITY_HOOK_BUDGET_MS = 250

/** How long people commands wait for the `registries` hooks. */
export const REGISTRIES_HOOK_TIMEOUT_MS = 2000
