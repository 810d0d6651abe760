/**
 * The account file as the account commands (login, logout, switch) use it, behind one small interface
 * so their lib functions take a fake in tests: read, locked read-modify-write, a proof that a change
 * can be saved before anything is done remotely, and scrubbing a removed secret from backups.
 */
import {lstatSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import type {AccountFile} from '../config/account-file.ts'
import {
  type AccountFilePaths,
  loadAccounts,
  type LockedOptions,
  updateAccounts,
} from '../config/account-store.ts'
import {writeFileAtomic} from '../config/atomic-write.ts'

export interface AccountStore {
  /** The accounts as they are now (no lock). */
  load(): AccountFile
  /** Locked read-modify-write of the latest accounts. */
  update<T>(change: (accounts: AccountFile) => T): T
  /**
   * Throws (the store's own error, which names the file and the cause) unless a change could be saved
   * right now: the lock can be taken and the directory accepts new files.
   */
  proveWritable(): void
  /**
   * Remove `secret` from every backup the store keeps beside the file (a migration's
   * `device.json.bak`); returns the names of the backups changed. Call under `update`.
   */
  scrubBackups(secret: string): string[]
}

/**
 * Backups the account store keeps beside the file before a migration: `device.json.bak`,
 * `device.json.bak.1`, … (src/lib/config/account-store.ts names them).
 */
function isBackupOf(file: string, name: string): boolean {
  const base = path.basename(file)
  return name === `${base}.bak` || new RegExp(`^${base.replaceAll('.', '\\.')}\\.bak\\.\\d+$`).test(name)
}

/** `locked.onWait` tells a person that another docker-credential-atcr holds the lock (after a second). */
export function accountStoreAt(paths: AccountFilePaths, locked: LockedOptions = {}): AccountStore {
  return {
    load: () => loadAccounts(paths),
    update: (change) => updateAccounts(paths, change, locked),
    // Taking the lock writes a draft file in the directory and links it into place: it fails, with the
    // store's own message (read-only, permission denied, a busy lock), exactly where the later save would.
    // The lock is released at once rather than held across the remote call that follows: the lock is
    // synchronous and Docker's store/erase wait on it with a budget of seconds, while a revocation or a
    // device login can take as long as the network does. A save that still fails after the remote call
    // (the directory changed in those seconds) is reported by the caller as exactly what happened.
    proveWritable: () => updateAccounts(paths, () => undefined, locked),
    scrubBackups(secret) {
      const changed: string[] = []
      let names: string[]
      try {
        names = readdirSync(paths.directory)
      } catch {
        return changed
      }
      // The secret as it appears in the backup's JSON: raw, and with JSON's escapes (Go escapes <>&).
      const forms = [...new Set([secret, JSON.stringify(secret).slice(1, -1)])]
      for (const name of names.filter((candidate) => isBackupOf(paths.file, candidate))) {
        const backup = path.join(paths.directory, name)
        if (!lstatSync(backup).isFile()) continue // never follow a link or block on a FIFO
        const text = readFileSync(backup, 'utf8')
        if (!forms.some((form) => text.includes(form))) continue
        let scrubbed = text
        for (const form of forms) scrubbed = scrubbed.replaceAll(form, '')
        writeFileAtomic(backup, scrubbed, 0o600)
        changed.push(name)
      }
      return changed
    },
  }
}
