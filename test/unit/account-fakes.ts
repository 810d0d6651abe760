/** In-memory stand-ins for the account commands' lib functions: an AccountStore, a prompter, AppView clients. */
import type {AccountStore} from '../../src/lib/accounts/accounts-on-disk.ts'
import type {AccountFile} from '../../src/lib/config/account-file.ts'
import type {Choice, Prompter} from '../../src/lib/prompts/prompter.ts'

export function accountFile(
  registries: Record<
    string,
    {active?: string; accounts: Array<{handle: string; did?: string; secret: string; appview_url?: string}>}
  >,
): AccountFile {
  const file: AccountFile = {version: 2, registries: {}}
  for (const [url, {active, accounts}] of Object.entries(registries)) {
    file.registries[url] = {
      ...(active ? {active} : {}),
      accounts: Object.fromEntries(
        accounts.map(({handle, did, secret, appview_url}) => [
          handle,
          {handle, did: did ?? '', device_secret: secret, ...(appview_url ? {appview_url} : {})},
        ]),
      ),
    }
  }
  return file
}

/** One in-memory account file; `unwritable`/`failSave` make proveWritable/update throw. */
export function memoryStore(initial: AccountFile, options: {unwritable?: Error; failSave?: Error} = {}) {
  const state = {accounts: structuredClone(initial), saves: 0, proofs: 0, scrubbed: [] as string[]}
  const store: AccountStore = {
    load: () => structuredClone(state.accounts),
    update(change) {
      if (options.failSave) throw options.failSave
      const copy = structuredClone(state.accounts)
      const result = change(copy)
      state.accounts = copy
      state.saves++
      return result
    },
    proveWritable() {
      state.proofs++
      if (options.unwritable) throw options.unwritable
    },
    scrubBackups(secret) {
      state.scrubbed.push(secret)
      return ['device.json.bak']
    },
  }
  return {state, store}
}

export interface Asked {
  kind: 'confirm' | 'select'
  message: string
  choices?: readonly Choice[]
  initial?: unknown
}

/** A prompter answering from a script; records every question. */
export function scriptedPrompter(answers: {
  confirm?: boolean | Error
  select?: (choices: readonly Choice[]) => string
}) {
  const asked: Asked[] = []
  const prompter: Prompter = {
    async confirm(message, options) {
      asked.push({kind: 'confirm', message, initial: options?.initial})
      if (answers.confirm instanceof Error) throw answers.confirm
      if (answers.confirm === undefined) throw new Error(`unexpected question: ${message}`)
      return answers.confirm
    },
    async select(message, choices, options) {
      asked.push({kind: 'select', message, choices, initial: options?.initial})
      if (!answers.select) throw new Error(`unexpected question: ${message}`)
      return answers.select(choices)
    },
  }
  return {prompter, asked}
}

/** An AppView client that records revocations (and confirms them). */
export function recordingClient(baseUrl: string) {
  const revoked: Array<{handle: string; deviceSecret: string}> = []
  return {
    revoked,
    client: {
      baseUrl,
      async revokeDevice(input: {handle: string; deviceSecret: string}) {
        revoked.push({handle: input.handle, deviceSecret: input.deviceSecret})
        return true
      },
    },
  }
}
