/**
 * Stands in for a people command that saves accounts (login, switch) until one exists: a locked
 * read-modify-write through the same updateAccounts the commands use (the built dist/). Reads one JSON
 * line on stdin (never argv: it carries a secret): {"registry", "handle", "secret", "field"}. Adds the
 * account without touching `active`, and sets the unknown registry field `field` to the handle.
 */
import {Buffer} from 'node:buffer'
import {homedir} from 'node:os'

import {accountFilePaths, updateAccounts} from '../../dist/lib/config/account-store.js'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const request = JSON.parse(Buffer.concat(chunks).toString('utf8'))
updateAccounts(accountFilePaths(process.env, homedir()), (accounts) => {
  const entry = (accounts.registries[request.registry] ??= {accounts: {}})
  entry.accounts[request.handle] = {handle: request.handle, did: '', device_secret: request.secret}
  entry[request.field] = request.handle
})
