/**
 * Base of the people commands that act on one registry (`login [REGISTRY]`, `logout [REGISTRY]`, …):
 * the optional REGISTRY argument in any form a person types it (`atcr.io`, `https://buoy.cr/`,
 * `localhost:5000`), resolved to a canonical host and the matching entry of the account file.
 */
import {Args} from '@oclif/core'

import type {AccountFile} from '../lib/config/account-file.ts'
import {findRegistry, type RegistryMatch} from '../lib/config/registry-entries.ts'
import {InvalidServerAddressError, parseServerAddress} from '../lib/registry/server-address.ts'
import {PeopleCommand} from './people-command.ts'

export const DEFAULT_REGISTRY = 'atcr.io'

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
}
