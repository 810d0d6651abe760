/**
 * The update notice through the real CLI: a people command refreshes the check in the background
 * without waiting for it, a later one prints one line on stderr, and then not again that day; nothing
 * for --json, ATCR_NO_UPDATE_NOTIFIER, CI, or the protocol verbs.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {generateKeyPairSync} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {after, before, describe, it} from 'node:test'

import {tmpdir} from 'node:os'

import {signDocument} from '../../src/lib/update/signed-document.ts'
import {makeSandbox, type Sandbox} from '../support/cli.ts'
import {shareDependencies, writePackage} from './release-layout.ts'

const NOTICE = /^docker-credential-atcr 9\.9\.9 is available \(you have 0\.1\.0\)\. Update with: .+$/m

describe('update notice', {timeout: 120_000}, () => {
  let sandbox: Sandbox
  let env: NodeJS.ProcessEnv
  let server: Server
  let stateFile: string
  const requests: string[] = []
  /** A copy of the package as a release holds it, with a release key: the notice checks signatures. */
  let layout: string
  let copy: string
  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, input = '') =>
    new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
      const child = execFile(
        process.execPath,
        [path.join(copy, 'bin', 'run.js'), ...args],
        {env: {...env, ...extraEnv}, timeout: 60_000},
        (error, stdout, stderr) => resolve({code: error ? Number(error.code ?? 1) : 0, stdout, stderr}),
      )
      child.stdin?.end(input)
    })
  const noticeDue = () => {
    mkdirSync(path.dirname(stateFile), {recursive: true})
    writeFileSync(stateFile, JSON.stringify({checkedAt: Date.now(), channel: 'stable', latest: '9.9.9'}))
  }

  before(async () => {
    const {privateKey, publicKey} = generateKeyPairSync('ed25519')
    const manifest = Buffer.from(JSON.stringify({version: '9.9.9', sha256gz: 'a'.repeat(64)}))
    const signature = signDocument(manifest, privateKey.export({type: 'pkcs8', format: 'pem'}).toString())
    layout = mkdtempSync(path.join(tmpdir(), 'atcr-notice-hook-'))
    shareDependencies(layout)
    copy = path.join(layout, 'docker-credential-atcr')
    await writePackage(copy, '0.1.0')
    writeFileSync(path.join(copy, 'release-key.pub.pem'), publicKey.export({type: 'spki', format: 'pem'}))
    server = createServer((request, response) => {
      const url = request.url ?? ''
      if (url.startsWith('/channels/stable/docker-credential-atcr-') && url.endsWith('.sig')) {
        response.end(signature)
      } else if (url.startsWith('/channels/stable/docker-credential-atcr-')) {
        requests.push(url)
        response.end(manifest)
      } else {
        requests.push(url)
        response.statusCode = 404
        response.end()
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    sandbox = makeSandbox()
    const {ATCR_NO_UPDATE_NOTIFIER: _off, ...sandboxEnv} = sandbox.env // the notice is what this tests
    env = {
      ...sandboxEnv,
      XDG_DATA_HOME: path.join(sandbox.home, '.local', 'share'),
      XDG_CACHE_HOME: path.join(sandbox.home, '.cache'),
      ATCR_UPDATE_HOST: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    }
    stateFile = path.join(env.XDG_CACHE_HOME!, 'atcr', 'update-check.json')
  })
  after(() => {
    server.closeAllConnections()
    server.close()
    sandbox.cleanup()
    rmSync(layout, {recursive: true, force: true})
  })

  it('checks in the background, announces once, then keeps quiet for the day', async () => {
    const first = await cli(['plugins'])
    assert.equal(first.code, 0, first.stderr)
    assert.doesNotMatch(first.stderr, /is available/)
    // The detached refresh records what the release host said.
    for (let i = 0; i < 150 && !readFileSync(stateFile, 'utf8').includes('9.9.9'); i++) await sleep(100)
    assert.equal(JSON.parse(readFileSync(stateFile, 'utf8')).latest, '9.9.9')
    assert.equal(requests.length, 1)

    const second = await cli(['plugins'])
    assert.match(second.stderr, NOTICE)
    assert.equal(second.stderr.match(/is available/g)?.length, 1)
    assert.doesNotMatch(second.stdout, /is available/)

    const third = await cli(['plugins'])
    assert.doesNotMatch(third.stderr, /is available/)
    assert.equal(requests.length, 1) // checked at most once a day
  })

  it('says nothing with --json, ATCR_NO_UPDATE_NOTIFIER or CI', async () => {
    noticeDue()
    for (const [args, extraEnv] of [
      [['plugins', 'registries', '--json'], {}],
      [['plugins'], {ATCR_NO_UPDATE_NOTIFIER: '1'}],
      [['plugins'], {CI: 'true'}],
    ] as const) {
      const result = await cli([...args], extraEnv)
      assert.equal(result.code, 0, result.stderr)
      assert.doesNotMatch(
        result.stderr + result.stdout,
        /is available/,
        `${args.join(' ')} ${JSON.stringify(extraEnv)}`,
      )
    }
    const control = await cli(['plugins']) // the notice was due all along
    assert.match(control.stderr, NOTICE)
  })

  it('never runs on the protocol path', async () => {
    noticeDue()
    const before = requests.length
    for (const verb of ['get', 'erase', 'list']) {
      const result = await cli([verb], {}, 'atcr.io')
      assert.doesNotMatch(result.stderr + result.stdout, /is available/)
    }
    const help = await cli(['get', '--help']) // the oclif path of a protocol command
    assert.doesNotMatch(help.stderr, /is available/)
    assert.equal(requests.length, before)
    assert.equal(JSON.parse(readFileSync(stateFile, 'utf8')).notifiedAt, undefined)
    assert.ok(existsSync(stateFile))
  })
})
