/**
 * Secrets at rest: the account file stays 0600 and its directory 0700 through every verb and every
 * migration, also under a permissive umask; a migration keeps the original bytes in a 0600 backup.
 * Every run here also goes through ATCR_DEBUG=1 once, so the secret scan covers debug output.
 */
import assert from 'node:assert/strict'
import {chmodSync, existsSync, readFileSync, statSync} from 'node:fs'
import {describe, test} from 'node:test'

import {addFigure, type Home, newHome, newSecret, runCli, v2File, writeAccountFile} from './harness.ts'
import {testNoSecretLeaked} from './secrets.ts'

function mode(file: string): string {
  return (statSync(file).mode & 0o777).toString(8).padStart(3, '0')
}

function assertModes(home: Home, what: string): void {
  assert.deepEqual(mode(home.dir), '700', `${what}: directory mode`)
  assert.deepEqual(mode(home.file), '600', `${what}: file mode`)
  for (const backup of [`${home.file}.bak`, `${home.file}.bak.1`]) {
    if (existsSync(backup)) assert.deepEqual(mode(backup), '600', `${what}: backup mode`)
  }
  addFigure('modes: files checked for 0600/0700')
}

function storeInput(host: string, handle: string, secret: string): string {
  return `${JSON.stringify({ServerURL: host, Username: handle, Secret: secret})}\n`
}

async function ok(home: Home, verb: string, input: string, debug: boolean, extra: {umask?: string} = {}) {
  const env = debug ? {...home.env, ATCR_DEBUG: '1'} : home.env
  const result = await runCli([verb], {
    env,
    input,
    label: `${verb} (modes${debug ? ', debug' : ''})`,
    stdoutMayHoldSecret: verb === 'get',
    ...extra,
  })
  assert.ok(result.code === 0, `${verb}: exit ${result.code}: ${result.stdout}${result.stderr}`)
  return result
}

function registerModeCases(): void {
  for (const debug of [false, true]) {
    const tag = debug ? ' (ATCR_DEBUG=1)' : ''
    test(`modes › store, store again, update, erase keep 0600/0700${tag}`, async () => {
      const home = newHome()
      const first = newSecret('m')
      await ok(home, 'store', storeInput('localhost:5000', 'alice.test', first), debug)
      assertModes(home, 'store into a new directory')
      await ok(home, 'store', storeInput('localhost:5000', 'alice.test', first), debug)
      assertModes(home, 'store of the same secret')
      const second = newSecret('m')
      await ok(home, 'store', storeInput('localhost:5000', 'alice.test', second), debug)
      assertModes(home, 'store of a new secret')
      await ok(home, 'store', storeInput('localhost:5000', 'bob.test', newSecret('m')), debug)
      assertModes(home, 'store of a second account')
      const got = await ok(home, 'get', 'localhost:5000', debug)
      assert.deepEqual(
        got.stdout,
        `${JSON.stringify({ServerURL: 'localhost:5000', Username: 'alice.test', Secret: second})}\n`,
        'get after store',
      )
      await ok(home, 'list', 'unused', debug)
      await ok(home, 'erase', 'localhost:5000', debug)
      assertModes(home, 'erase')
      await ok(home, 'erase', 'localhost:5000', debug)
      assertModes(home, 'second erase')
    })

    test(`modes › umask 000 still gives 0600/0700${tag}`, async () => {
      const home = newHome()
      await ok(home, 'store', storeInput('localhost:5000', 'alice.test', newSecret('m')), debug, {
        umask: '000',
      })
      assertModes(home, 'store under umask 000')
      await ok(home, 'store', storeInput('localhost:5000', 'bob.test', newSecret('m')), debug, {umask: '000'})
      assertModes(home, 'second store under umask 000')
    })

    test(`modes › a 0644 file is written back 0600${tag}`, async () => {
      const home = newHome()
      writeAccountFile(
        home,
        v2File({'http://localhost:5000': {accounts: [{handle: 'alice.test', secret: newSecret('m')}]}}),
        0o644,
      )
      chmodSync(home.dir, 0o700)
      await ok(home, 'store', storeInput('localhost:5000', 'bob.test', newSecret('m')), debug)
      assertModes(home, 'store over a 0644 file')
    })

    const legacySecret = newSecret('legacy')
    const multiSecrets = [newSecret('multi'), newSecret('multi')]
    const migrations: {name: string; content: string; host: string; handle: string; secret: string}[] = [
      {
        name: 'legacy single device',
        content: `${JSON.stringify({handle: 'alice.test', device_secret: legacySecret, appview_url: 'http://localhost:5000'})}\n`,
        host: 'localhost:5000',
        handle: 'alice.test',
        secret: legacySecret,
      },
      {
        name: 'multi-registry',
        content: `${JSON.stringify({
          credentials: {
            'http://localhost:5000': {
              handle: 'alice.test',
              device_secret: multiSecrets[0],
              appview_url: 'http://localhost:5000',
              did: 'did:plc:a',
            },
            'https://atcr.io': {handle: 'bob.test', device_secret: multiSecrets[1]},
          },
        })}\n`,
        host: 'atcr.io',
        handle: 'bob.test',
        secret: multiSecrets[1]!,
      },
    ]
    for (const migration of migrations) {
      for (const verb of ['get', 'list', 'store', 'erase'] as const) {
        test(`modes › migration of a ${migration.name} file by ${verb}: 0600 file and backup, nothing lost${tag}`, async () => {
          const home = newHome()
          writeAccountFile(home, migration.content, 0o600)
          const input =
            verb === 'store'
              ? storeInput('localhost:6000', 'carol.test', newSecret('m'))
              : verb === 'list'
                ? 'unused'
                : migration.host
          await ok(home, verb, input, debug)
          assertModes(home, `migration by ${verb}`)
          assert.deepEqual(
            readFileSync(`${home.file}.bak`, 'utf8'),
            migration.content,
            'backup holds the original bytes',
          )
          const migrated = JSON.parse(readFileSync(home.file, 'utf8'))
          assert.deepEqual(migrated.version, 2, 'migrated version')
          if (verb !== 'erase') {
            const got = await ok(home, 'get', migration.host, false)
            assert.deepEqual(
              got.stdout,
              `${JSON.stringify({ServerURL: migration.host, Username: migration.handle, Secret: migration.secret})}\n`,
              'get after migration',
            )
          }
          addFigure('modes: migrations checked')
        })
      }
    }
  }
}

describe('modes', {concurrency: 2}, registerModeCases)
testNoSecretLeaked()
