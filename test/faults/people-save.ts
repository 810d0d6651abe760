/**
 * Stands in for a people command that saves accounts (login, switch) until one exists: a locked
 * read-modify-write through the same updateAccounts the commands use. Reads one JSON line on stdin
 * (never argv: it carries a secret): {"registry": "<key>", "handle": "…", "secret": "…", "field": "…"}.
 * Adds the account without touching `active`, and sets the unknown registry field `field` to the handle.
 */
import {homedir} from 'node:os'

import {accountFilePaths, updateAccounts} from '../../src/lib/config/account-store.ts'

const chunks: Buffer[] = []
for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
  registry: string
  handle: string
  secret: string
  field: string
}
updateAccounts(accountFilePaths(process.env, homedir()), (accounts) => {
  const entry = (accounts.registries[request.registry] ??= {accounts: {}})
  entry.accounts[request.handle] = {handle: request.handle, did: '', device_secret: request.secret}
  entry[request.field] = request.handle
})
