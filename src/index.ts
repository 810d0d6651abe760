/**
 * docker-credential-atcr as a package: oclif's `run` (for embedding the CLI) and the typed contract
 * third-party plugins implement (docs/plugins.md).
 */
export {run} from '@oclif/core/run'

export {
  type AtcrHook,
  type AtcrHookName,
  type AtcrHooks,
  IDENTITY_HOOK_BUDGET_MS,
  type IdentityFromCommandLineOptions,
  REGISTRIES_HOOK_TIMEOUT_MS,
  type RegistriesHookOptions,
  type RegistryContribution,
} from './lib/plugins/hook-contract.ts'
