/**
 * KeychainStore over a binding of the tests' own (the shape of @napi-rs/keyring's AsyncEntry): what it
 * asks of the binding, how it words each failure, and its deadline. The real binding against a real
 * Secret Service is test/keychain/secret-service.test.ts.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer, type Server, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {
  KeychainStore,
  type KeyringBinding,
  type KeyringEntry,
} from '../../src/lib/secret-store/keychain-store.ts'
import {KeychainError, keychainLocation} from '../../src/lib/secret-store/secret-store.ts'
import {sessionBusSocket} from '../../src/lib/secret-store/session-bus-probe.ts'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const ALICE = keychainLocation('https://atcr.io', 'alice.bsky.social')

interface Made {
  service: string
  account: string
  options: unknown
}

/** A binding whose entries share one map, and whose calls can be made to throw or never answer. */
function fakeBinding(behaviour: {construct?: () => void; call?: () => Promise<never>} = {}) {
  const items = new Map<string, string>()
  const made: Made[] = []
  class AsyncEntry implements KeyringEntry {
    readonly #key: string
    constructor(service: string, account: string, options?: unknown) {
      behaviour.construct?.()
      made.push({service, account, options})
      this.#key = `${service}\n${account}`
    }
    async getPassword() {
      if (behaviour.call) return behaviour.call()
      return items.get(this.#key) ?? null
    }
    async setPassword(password: string) {
      if (behaviour.call) return behaviour.call()
      items.set(this.#key, password)
    }
    async deletePassword() {
      if (behaviour.call) return behaviour.call()
      return items.delete(this.#key)
    }
  }
  return {binding: {AsyncEntry} satisfies KeyringBinding, items, made}
}

const failingWith = (message: string) => () => Promise.reject(new Error(message))

async function failure(promise: Promise<unknown>): Promise<KeychainError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof KeychainError, `expected a KeychainError, got ${String(error)}`)
    return error
  }
  assert.fail('expected the call to fail')
}

function assertOneLineNamingFileStorage(error: KeychainError) {
  assert.doesNotMatch(error.message, /\n/)
  assert.match(error.message, /--storage file/)
}

describe('KeychainStore', () => {
  it('sets, gets, tells whether it holds, and deletes by service and account', async () => {
    const {binding} = fakeBinding()
    const store = new KeychainStore({loadBinding: () => binding, platform: 'linux'})
    assert.equal(await store.get(ALICE), undefined)
    assert.equal(await store.has(ALICE), false)
    await store.set(ALICE, 'atcr_device_one')
    assert.equal(await store.get(ALICE), 'atcr_device_one')
    assert.equal(await store.has(ALICE), true)
    assert.equal(await store.delete(ALICE), true)
    assert.equal(await store.delete(ALICE), false)
    assert.equal(await store.get(ALICE), undefined)
  })

  it('pins every entry to the Secret Service, so Linux never falls back to keyutils (lost at reboot)', async () => {
    const {binding, made} = fakeBinding()
    const store = new KeychainStore({loadBinding: () => binding, platform: 'linux'})
    await store.set(ALICE, 'atcr_device_one')
    await store.get(ALICE)
    await store.delete(ALICE)
    assert.equal(made.length, 3)
    for (const entry of made) {
      assert.deepEqual(entry, {
        service: 'docker-credential-atcr:https://atcr.io',
        account: 'alice.bsky.social',
        options: {linux: {store: 'secret-service'}},
      })
    }
  })

  it('loads the binding on the first call, once, and not before', async () => {
    const {binding} = fakeBinding()
    let loads = 0
    const store = new KeychainStore({
      loadBinding: () => {
        loads++
        return binding
      },
    })
    assert.equal(loads, 0)
    await store.get(ALICE)
    await store.set(ALICE, 'atcr_device_one')
    assert.equal(loads, 1)
  })

  it('without a native binary: unavailable, naming the platform and --storage file', async () => {
    const store = new KeychainStore({
      loadBinding: () => {
        throw new Error('Cannot find native binding.')
      },
      platform: 'freebsd',
      arch: 'arm',
    })
    const error = await failure(store.get(ALICE))
    assert.equal(error.failure, 'unavailable')
    assert.equal(error.code, 'keychain_unavailable')
    assert.equal(error.exit, 1)
    assert.match(error.message, /no keychain library for freebsd-arm/)
    assertOneLineNamingFileStorage(error)
  })

  it('with no D-Bus session (the constructor throws): unavailable, saying DBUS_SESSION_BUS_ADDRESS is not set', async () => {
    const {binding} = fakeBinding({
      construct: () => {
        throw new Error('Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled')
      },
    })
    const store = new KeychainStore({loadBinding: () => binding, platform: 'linux', env: {}})
    const error = await failure(store.set(ALICE, 'atcr_device_one'))
    assert.equal(error.failure, 'unavailable')
    assert.match(
      error.message,
      /^The OS keychain is not available \(no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set;/,
    )
    assertOneLineNamingFileStorage(error)
  })

  it('with a bus but no Secret Service: unavailable, in the keychain’s own words', async () => {
    const {binding} = fakeBinding({
      call: failingWith(
        'Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files',
      ),
    })
    const store = new KeychainStore({
      loadBinding: () => binding,
      platform: 'linux',
      env: {DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/0/bus'},
    })
    const error = await failure(store.get(ALICE))
    assert.equal(error.failure, 'unavailable')
    assert.match(error.message, /org\.freedesktop\.secrets was not provided/)
    assert.doesNotMatch(error.message, /DBUS_SESSION_BUS_ADDRESS/)
    assertOneLineNamingFileStorage(error)
  })

  it('locked, its unlock prompt dismissed: locked', async () => {
    const {binding} = fakeBinding({
      call: failingWith("Couldn't access platform storage: Secret Service: unlock prompt was dismissed"),
    })
    const error = await failure(new KeychainStore({loadBinding: () => binding}).get(ALICE))
    assert.equal(error.failure, 'locked')
    assert.equal(error.code, 'keychain_locked')
    assert.equal(error.stuck, false)
    assertOneLineNamingFileStorage(error)
  })

  it('any other failure: refused, one line even when the keychain’s words span several', async () => {
    const {binding} = fakeBinding({call: failingWith('Entry is matched by 2 credentials:\nfirst\nsecond')})
    const error = await failure(new KeychainStore({loadBinding: () => binding}).get(ALICE))
    assert.equal(error.failure, 'refused')
    assertOneLineNamingFileStorage(error)
  })

  it('never repeats a device secret that the keychain’s error quotes', async () => {
    const {binding} = fakeBinding({call: failingWith('Bad encoding: atcr_device_s3cr3t is not valid')})
    const error = await failure(
      new KeychainStore({loadBinding: () => binding}).set(ALICE, 'atcr_device_s3cr3t'),
    )
    assert.doesNotMatch(error.message, /s3cr3t/)
  })

  it('a call that does not answer fails within its budget, marked stuck', async () => {
    const {binding} = fakeBinding({call: () => new Promise<never>(() => {})})
    const store = new KeychainStore({loadBinding: () => binding, budgetMs: 50})
    const started = performance.now()
    const error = await failure(store.get(ALICE))
    const elapsed = performance.now() - started
    assert.equal(error.failure, 'timeout')
    assert.equal(error.stuck, true)
    assert.match(error.message, /no answer within 50 ms/)
    assertOneLineNamingFileStorage(error)
    assert.ok(elapsed >= 45 && elapsed < 1000, `failed after ${elapsed.toFixed(0)} ms`)
  })

  it('the next step can be worded by the caller', async () => {
    const {binding} = fakeBinding({call: failingWith('Platform failure: no bus')})
    const store = new KeychainStore({
      loadBinding: () => binding,
      nextStep: 'Run: docker-credential-atcr storage file',
    })
    const error = await failure(store.get(ALICE))
    assert.match(error.message, /\. Run: docker-credential-atcr storage file$/)
  })
})

describe('the session bus, asked before the binding connects (Linux)', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'atcr-bus-'))
  const servers: Server[] = []
  after(() => {
    for (const server of servers) server.close()
    rmSync(directory, {recursive: true, force: true})
  })

  /** A unix socket that accepts connections and answers the first line with `answer`, or never. */
  async function fakeBus(answer: string | undefined): Promise<{address: string; said: string[]}> {
    const socketPath = path.join(directory, `bus-${servers.length}`)
    const said: string[] = []
    const server = createServer((socket: Socket) => {
      socket.on('data', (chunk) => {
        said.push(chunk.toString('latin1'))
        if (answer !== undefined) socket.write(answer)
      })
    })
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(socketPath, resolve))
    return {address: `unix:path=${socketPath},guid=0123`, said}
  }

  it('a bus that never answers: timeout within the budget, and the binding never connects', async () => {
    const {address, said} = await fakeBus(undefined)
    const {binding, made} = fakeBinding()
    const store = new KeychainStore({
      loadBinding: () => binding,
      platform: 'linux',
      env: {DBUS_SESSION_BUS_ADDRESS: address},
      budgetMs: 100,
      uid: 1000,
    })
    const started = performance.now()
    const error = await failure(store.get(ALICE))
    const elapsed = performance.now() - started
    assert.equal(error.failure, 'timeout')
    assert.equal(error.stuck, false)
    assert.match(error.message, /the D-Bus session bus did not answer within 100 ms/)
    assert.ok(elapsed >= 95 && elapsed < 1000, `failed after ${elapsed.toFixed(0)} ms`)
    assert.deepEqual(made, [])
    assert.deepEqual(said, ['\0AUTH EXTERNAL 31303030\r\n'])
  })

  it('a bus that answers: the call goes ahead, within what is left of the budget', async () => {
    const {address} = await fakeBus('OK 0123456789abcdef\r\n')
    const {binding, made} = fakeBinding()
    const store = new KeychainStore({
      loadBinding: () => binding,
      platform: 'linux',
      env: {DBUS_SESSION_BUS_ADDRESS: address},
    })
    await store.set(ALICE, 'atcr_device_one')
    assert.equal(await store.get(ALICE), 'atcr_device_one')
    assert.equal(made.length, 2)
  })

  it('is not asked on other platforms', async () => {
    const {address, said} = await fakeBus(undefined)
    const {binding} = fakeBinding()
    const store = new KeychainStore({
      loadBinding: () => binding,
      platform: 'darwin',
      env: {DBUS_SESSION_BUS_ADDRESS: address},
      budgetMs: 100,
    })
    assert.equal(await store.get(ALICE), undefined)
    assert.deepEqual(said, [])
  })

  it('finds the socket of the first unix address', () => {
    assert.equal(sessionBusSocket('unix:path=/run/user/1000/bus'), '/run/user/1000/bus')
    assert.equal(sessionBusSocket('unix:abstract=/tmp/dbus-AbC,guid=12'), '\0/tmp/dbus-AbC')
    assert.equal(sessionBusSocket('tcp:host=localhost,port=1;unix:path=/a%20b'), '/a b')
    assert.equal(sessionBusSocket('tcp:host=localhost,port=1'), undefined)
    assert.equal(sessionBusSocket(undefined), undefined)
  })
})

describe('openKeychain', () => {
  /** Every module a script loads (resolved URLs, ES modules and CommonJS alike), and what it printed. */
  function modulesLoadedBy(body: string, env: NodeJS.ProcessEnv = process.env) {
    const script = `
      import {registerHooks} from 'node:module'
      const loaded = []
      registerHooks({resolve(specifier, context, next) { const resolved = next(specifier, context); loaded.push(resolved.url); return resolved }})
      const secretStore = ${JSON.stringify(pathToFileURL(path.join(REPO, 'src/lib/secret-store/secret-store.ts')).href)}
      const said = await (async () => { ${body} })()
      process.stdout.write(JSON.stringify({loaded, said}))`
    const child = spawnSync(process.execPath, ['--input-type=module', '--eval', script], {
      encoding: 'utf8',
      env,
    })
    assert.equal(child.stderr, '')
    return JSON.parse(child.stdout) as {loaded: string[]; said: unknown}
  }
  const keychainModules = (loaded: string[]) => loaded.filter((url) => /keychain-store|keyring/.test(url))

  it('importing the secret store loads neither the keychain module nor @napi-rs/keyring', () => {
    const {loaded} = modulesLoadedBy(`await import(secretStore)`)
    assert.ok(loaded.some((url) => url.endsWith('/secret-store.ts')))
    assert.deepEqual(keychainModules(loaded), [])
  })

  it('loads the keychain module and binding on first use', () => {
    // No D-Bus session: the binding loads, then the call fails at once.
    const env = {...process.env}
    delete env.DBUS_SESSION_BUS_ADDRESS
    const {loaded, said} = modulesLoadedBy(
      `const {openKeychain} = await import(secretStore)
      const store = await openKeychain()
      const opened = loaded.length
      const error = await store.get({service: 'docker-credential-atcr:test', account: 'nobody'}).catch((error) => error)
      return {opened, code: error.code}`,
      env,
    )
    const {opened, code} = said as {opened: number; code: string}
    assert.equal(code, 'keychain_unavailable')
    assert.deepEqual(
      keychainModules(loaded.slice(0, opened)).map((url) => path.basename(url)),
      ['keychain-store.ts'],
    )
    assert.ok(
      keychainModules(loaded.slice(opened)).some((url) => url.includes('@napi-rs/keyring')),
      'the binding was not loaded on first use',
    )
  })
})
