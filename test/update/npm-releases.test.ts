/**
 * `update --available` on an npm install: the releases come from the npm registry's package document
 * (the abbreviated form), with its dist-tags as channels (latest → stable, beta → beta).
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  DEFAULT_NPM_REGISTRY,
  NpmRegistryError,
  npmRegistryUrl,
  npmReleases,
  packumentUrl,
  releasesFromPackument,
} from '../../src/lib/update/npm-releases.ts'

const NAME = 'docker-credential-atcr'

function packument(distTags: Record<string, string>, versions: string[]) {
  return {
    name: NAME,
    'dist-tags': distTags,
    versions: Object.fromEntries(versions.map((version) => [version, {name: NAME, version}])),
  }
}

interface Call {
  url: string
  init?: RequestInit
}

/** A fetch that answers every request with `respond()` and records what was asked. */
function fakeFetch(respond: (url: string, init?: RequestInit) => Response | Promise<Response>) {
  const calls: Call[] = []
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input)
    calls.push({url, init})
    return respond(url, init)
  }) as typeof globalThis.fetch
  return {fetch, calls}
}

const json = (body: unknown, init: ResponseInit = {}) =>
  new Response(JSON.stringify(body), {headers: {'content-type': 'application/json'}, ...init})

describe('npmRegistryUrl', () => {
  it('is npm_config_registry when set, else the public registry', () => {
    assert.equal(DEFAULT_NPM_REGISTRY, 'https://registry.npmjs.org/')
    assert.equal(npmRegistryUrl({}), 'https://registry.npmjs.org/')
    assert.equal(npmRegistryUrl({npm_config_registry: ''}), 'https://registry.npmjs.org/')
    assert.equal(npmRegistryUrl({npm_config_registry: 'http://127.0.0.1:4873'}), 'http://127.0.0.1:4873/')
    // npm reads its environment settings whatever their case.
    assert.equal(
      npmRegistryUrl({NPM_CONFIG_REGISTRY: 'https://npm.example.com/repo/'}),
      'https://npm.example.com/repo/',
    )
  })
})

describe('packumentUrl', () => {
  it('appends the package name to the registry, keeping a registry path', () => {
    assert.equal(packumentUrl('https://registry.npmjs.org/', NAME), `https://registry.npmjs.org/${NAME}`)
    assert.equal(
      packumentUrl('https://npm.example.com/api/npm/', NAME),
      `https://npm.example.com/api/npm/${NAME}`,
    )
  })
  it('escapes the slash of a scoped name', () => {
    assert.equal(
      packumentUrl('https://registry.npmjs.org/', '@atcr/helper'),
      'https://registry.npmjs.org/@atcr%2fhelper',
    )
  })
})

describe('releasesFromPackument', () => {
  it('lists every version newest first, channels from the dist-tags and prerelease ids', () => {
    const releases = releasesFromPackument(
      packument({latest: '1.2.0', beta: '1.3.0-beta.2'}, [
        '1.0.0',
        '1.1.0',
        '1.2.0',
        '1.3.0-beta.1',
        '1.3.0-beta.2',
        '1.10.0-beta.1',
      ]),
    )
    assert.deepEqual(releases, [
      {version: '1.10.0-beta.1', channel: 'beta', newest: false},
      {version: '1.3.0-beta.2', channel: 'beta', newest: true},
      {version: '1.3.0-beta.1', channel: 'beta', newest: false},
      {version: '1.2.0', channel: 'stable', newest: true},
      {version: '1.1.0', channel: 'stable', newest: false},
      {version: '1.0.0', channel: 'stable', newest: false},
    ])
  })

  it('marks as newest what the dist-tag points at, even an older version', () => {
    // `npm dist-tag add …@1.1.0 latest` after a bad 1.2.0: `npm i -g …@latest` installs 1.1.0.
    const releases = releasesFromPackument(packument({latest: '1.1.0'}, ['1.1.0', '1.2.0']))
    assert.deepEqual(releases, [
      {version: '1.2.0', channel: 'stable', newest: false},
      {version: '1.1.0', channel: 'stable', newest: true},
    ])
  })

  it('puts a version tagged beta on the beta channel', () => {
    const releases = releasesFromPackument(packument({latest: '1.0.0', beta: '1.1.0'}, ['1.0.0', '1.1.0']))
    assert.deepEqual(releases, [
      {version: '1.1.0', channel: 'beta', newest: true},
      {version: '1.0.0', channel: 'stable', newest: true},
    ])
  })

  it('a version tagged both latest and beta is the newest stable', () => {
    const releases = releasesFromPackument(
      packument({latest: '1.1.0', beta: '1.1.0'}, ['1.1.0-beta.1', '1.1.0']),
    )
    assert.deepEqual(releases, [
      {version: '1.1.0', channel: 'stable', newest: true},
      {version: '1.1.0-beta.1', channel: 'beta', newest: false},
    ])
  })

  it('ignores versions that are not release numbers and dist-tags pointing nowhere', () => {
    const releases = releasesFromPackument(
      packument({latest: '1.0.0', beta: '9.9.9'}, ['1.0.0', 'not-a-version']),
    )
    assert.deepEqual(releases, [{version: '1.0.0', channel: 'stable', newest: true}])
  })

  it('lists nothing for a package with no versions (all unpublished)', () => {
    assert.deepEqual(releasesFromPackument({name: NAME, 'dist-tags': {}, versions: {}}), [])
    assert.deepEqual(releasesFromPackument({name: NAME, time: {unpublished: {}}}), [])
  })

  it('refuses a document that is not a package document', () => {
    for (const document of [
      null,
      [],
      'x',
      {name: NAME, versions: []},
      {name: NAME, versions: {}, 'dist-tags': 3},
    ])
      assert.throws(() => releasesFromPackument(document), NpmRegistryError, JSON.stringify(document))
  })
})

describe('npmReleases', () => {
  it('asks the registry for the abbreviated package document and lists its releases', async () => {
    const {fetch, calls} = fakeFetch(() => json(packument({latest: '0.2.0'}, ['0.1.0', '0.2.0'])))
    const releases = await npmReleases({
      packageName: NAME,
      env: {npm_config_registry: 'http://127.0.0.1:4873/'},
      fetch,
    })
    assert.deepEqual(releases, [
      {version: '0.2.0', channel: 'stable', newest: true},
      {version: '0.1.0', channel: 'stable', newest: false},
    ])
    assert.equal(calls.length, 1)
    assert.equal(calls[0]!.url, `http://127.0.0.1:4873/${NAME}`)
    const headers = new Headers(calls[0]!.init?.headers)
    assert.match(headers.get('accept') ?? '', /^application\/vnd\.npm\.install-v1\+json/)
    assert.ok(calls[0]!.init?.signal instanceof AbortSignal, 'the request has a timeout')
  })

  it('uses the public registry when npm_config_registry is not set', async () => {
    const {fetch, calls} = fakeFetch(() => json(packument({latest: '0.1.0'}, ['0.1.0'])))
    await npmReleases({packageName: NAME, env: {}, fetch})
    assert.equal(calls[0]!.url, `https://registry.npmjs.org/${NAME}`)
  })

  it('an unreachable registry is one line naming the registry and npm_config_registry', async () => {
    const {fetch} = fakeFetch(() => {
      throw Object.assign(new TypeError('fetch failed'), {cause: {code: 'ECONNREFUSED'}})
    })
    await assert.rejects(
      npmReleases({packageName: NAME, env: {npm_config_registry: 'http://127.0.0.1:9/'}, fetch}),
      (error: Error) => {
        assert.ok(error instanceof NpmRegistryError)
        assert.match(
          error.message,
          /Cannot reach the npm registry http:\/\/127\.0\.0\.1:9\/ \(ECONNREFUSED\)/,
        )
        assert.match(error.message, /npm_config_registry/)
        assert.doesNotMatch(error.message, /\n/)
        return true
      },
    )
  })

  it("names undici's reason when the failure has no code", async () => {
    const {fetch} = fakeFetch(() => {
      throw Object.assign(new TypeError('fetch failed'), {cause: new Error('bad port')})
    })
    await assert.rejects(
      npmReleases({packageName: NAME, env: {npm_config_registry: 'http://127.0.0.1:9/'}, fetch}),
      (error: Error) => error instanceof NpmRegistryError && / \(bad port\)\. /.test(error.message),
    )
  })

  it('gives up after the timeout', async () => {
    const {fetch} = fakeFetch(
      (_url, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal!.reason))
        }),
    )
    const started = Date.now()
    await assert.rejects(
      npmReleases({packageName: NAME, env: {}, fetch, timeoutMs: 50}),
      (error: Error) => error instanceof NpmRegistryError && /did not answer within/.test(error.message),
    )
    assert.ok(Date.now() - started < 5000)
  })

  it('a package the registry does not know, or an error status, is one line', async () => {
    await assert.rejects(
      npmReleases({
        packageName: NAME,
        env: {},
        fetch: fakeFetch(() => json({error: 'Not found'}, {status: 404})).fetch,
      }),
      (error: Error) =>
        error instanceof NpmRegistryError &&
        error.message === `The npm registry https://registry.npmjs.org/ has no package ${NAME} (HTTP 404).`,
    )
    await assert.rejects(
      npmReleases({
        packageName: NAME,
        env: {},
        fetch: fakeFetch(() => new Response('', {status: 503})).fetch,
      }),
      (error: Error) => error instanceof NpmRegistryError && /answered HTTP 503/.test(error.message),
    )
  })

  it('refuses an answer larger than the cap, declared or streamed', async () => {
    const big = 'x'.repeat(2048)
    for (const respond of [
      () => new Response(big, {headers: {'content-length': String(big.length)}}),
      () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              controller.enqueue(new TextEncoder().encode(big)) // never ends on its own
            },
          }),
        ),
    ]) {
      await assert.rejects(
        npmReleases({packageName: NAME, env: {}, fetch: fakeFetch(respond).fetch, maxBytes: 1024}),
        (error: Error) => error instanceof NpmRegistryError && /larger than/.test(error.message),
      )
    }
  })

  it('refuses an answer that is not JSON', async () => {
    await assert.rejects(
      npmReleases({packageName: NAME, env: {}, fetch: fakeFetch(() => new Response('<html>')).fetch}),
      (error: Error) => error instanceof NpmRegistryError && /not a package document/.test(error.message),
    )
  })
})
