/**
 * Base of the people commands that act on one registry (`login [REGISTRY]`, `logout [REGISTRY]`, …):
 * - the optional REGISTRY argument in any form a person types it (`atcr.io`, `https://buoy.cr/`,
 *   `localhost:5000`), resolved to a canonical host and the matching entry of the account file;
 * - the AppView of a registry (an account's own `appview_url`, else a plugin's, else the built-in rule)
 *   and the one factory of AppView clients for it;
 * - the account file as the account commands' lib functions take it.
 */
import * as Args from '@oclif/core/args'
import {homedir} from 'node:os'

import {type AccountStore, accountStoreAt} from '../lib/accounts/accounts-on-disk.ts'
import {DEFAULT_REGISTRY} from '../lib/accounts/choose-registry.ts'
import {type AppViewClient, type AppViewClientOptions, createAppViewClient} from '../lib/appview/client.ts'
import type {AccountFile} from '../lib/config/account-file.ts'
import {findRegistry, type RegistryMatch} from '../lib/config/registry-entries.ts'
import {appViewUrlFor, readInsecureRegistries} from '../lib/registry/appview-url.ts'
import {InvalidServerAddressError, parseServerAddress} from '../lib/registry/server-address.ts'
import {PeopleCommand} from './people-command.ts'

export {DEFAULT_REGISTRY} from '../lib/accounts/choose-registry.ts'

export abstract class RegistryCommand extends PeopleCommand {
  static override args = {
    registry: Args.string({
      description: `registry host, like atcr.io, buoy.cr or localhost:5000`,
      required: false,
      // oclif would otherwise fill a missing REGISTRY from piped stdin: the device secret of
      // `login --with-token`, or whatever a script happens to pipe into status, switch or logout.
      ignoreStdin: true,
    }),
  }

  /** Canonical host of a REGISTRY argument; `fallback` when none was given. */
  protected registryHost(argument: string | undefined, fallback = DEFAULT_REGISTRY): string {
    try {
      return parseServerAddress(argument ?? fallback).host
    } catch (error) {
      if (error instanceof InvalidServerAddressError)
        this.error(`${error.message}. Example: atcr.io`, {exit: 2})
      throw error
    }
  }

  protected findRegistry(accounts: AccountFile, host: string): RegistryMatch | undefined {
    return findRegistry(accounts, host)
  }

  /** The account file, for the lib functions of login, logout and switch. */
  protected get accountStore(): AccountStore {
    return accountStoreAt(this.accountPaths, {onWait: this.sayWaitingOnce})
  }

  /** The AppView URL of a registry host: an account's stored URL, else a plugin's, else the built-in rule. */
  protected async resolveAppViewUrl(host: string, accountAppViewUrl?: string): Promise<string> {
    const contributed = (await this.contributedRegistries()).get(host)
    return appViewUrlFor(host, {
      accountAppViewUrl,
      contributedAppViewUrl: contributed?.appViewUrl,
      insecureRegistries: () => this.insecureRegistries(),
    })
  }

  /**
   * The one way commands get an AppView client: for a registry host, at an account's own AppView when
   * it has one (revocation and checks go where the secret was issued).
   */
  protected async appViewClient(
    host: string,
    options: {accountAppViewUrl?: string} & Omit<AppViewClientOptions, 'baseUrl'> = {},
  ): Promise<AppViewClient> {
    const {accountAppViewUrl, ...clientOptions} = options
    return createAppViewClient({
      ...clientOptions,
      baseUrl: await this.resolveAppViewUrl(host, accountAppViewUrl),
    })
  }

  /**
   * The base URL a new registry is keyed by in the account file: the registry's own address by the
   * built-in rule, never a plugin's AppView URL, so that `get` finds it by the host Docker sends.
   */
  protected registryBaseUrl(host: string): string {
    return appViewUrlFor(host, {insecureRegistries: () => this.insecureRegistries()})
  }

  private insecureRegistries(): readonly string[] {
    return readInsecureRegistries({env: process.env, homedir: homedir(), platform: process.platform})
  }
}
