/**
 * The real Docker CLI, configured with `credHelpers: {"atcr.io": "atcr"}`, runs the built helper for
 * `docker pull`/`docker push` and forwards what it answers to the Engine in X-Registry-Auth. A stub
 * Engine on a unix socket records that header, so these tests prove that Docker carried each
 * identity's OWN credentials, chosen from Docker's command line, with no `switch` in between.
 */
import assert from 'node:assert/strict'
import {execFile, spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs'
import {delimiter, join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {CLI, makeSandbox, type Sandbox} from '../support/cli.ts'
import {type DockerEngineStub, startDockerEngineStub} from '../support/docker-engine-stub.ts'

const dockerMissing = spawnSync('docker', ['--version']).error !== undefined

const ALICE = {
  handle: 'alice.bsky.social',
  did: 'did:plc:alice2a7wqbxrj4x6ugz5ecz',
  device_secret: 'atcr_device_alice_0f3b9c8e7d6a5b4c3d2e1f00',
}
const BOB = {
  handle: 'bob.example.com',
  did: 'did:plc:bobx5kqe3ng2wvdumr7uy4lc',
  device_secret: 'atcr_device_bob_9a8b7c6d5e4f3a2b1c0d9e8f',
}

interface DockerRun {
  code: number
  stdout: string
  stderr: string
}

/** Run docker without blocking the event loop: the stub Engine answers from this same process. */
function docker(args: string[], env: NodeJS.ProcessEnv): Promise<DockerRun> {
  return new Promise((resolvePromise) => {
    execFile('docker', args, {env, timeout: 60_000}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolvePromise({code, stdout, stderr})
    })
  })
}

describe(
  'the real Docker CLI forwards the right account',
  {skip: dockerMissing && 'docker is not installed'},
  () => {
    let sandbox: Sandbox
    let engine: DockerEngineStub
    let env: NodeJS.ProcessEnv

    before(async () => {
      sandbox = makeSandbox()
      sandbox.writeAccounts({
        version: 2,
        registries: {
          'https://atcr.io': {active: ALICE.handle, accounts: {[ALICE.handle]: ALICE, [BOB.handle]: BOB}},
        },
      })
      const dockerConfig = sandbox.env.DOCKER_CONFIG!
      mkdirSync(dockerConfig, {recursive: true})
      writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({credHelpers: {'atcr.io': 'atcr'}}))
      // exec, so that the helper's parent process is docker itself, as with an installed helper.
      const binDir = join(sandbox.root, 'bin')
      mkdirSync(binDir)
      const shim = join(binDir, 'docker-credential-atcr')
      writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`)
      chmodSync(shim, 0o755)

      engine = await startDockerEngineStub()
      env = {
        ...sandbox.env,
        PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`,
        DOCKER_HOST: engine.dockerHost,
      }
    })

    after(async () => {
      await engine?.close()
      sandbox?.cleanup()
    })

    /** Run one docker command and return the credentials the Engine received with it. */
    async function forwardedBy(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
      const before = engine.requests.length
      const run = await docker(args, {...env, ...extraEnv})
      assert.equal(run.code, 0, `docker ${args.join(' ')} failed:\n${run.stdout}${run.stderr}`)
      const withAuth = engine.requests
        .slice(before)
        .filter((request) => /^\/images\/(create|.+\/push)$/.test(request.path))
      assert.equal(withAuth.length, 1, `expected one pull/push request, saw ${JSON.stringify(withAuth)}`)
      return withAuth[0]!.registryAuth
    }

    test('docker pull of alice.bsky.social/… forwards alice (the active account)', async () => {
      const auth = await forwardedBy(['pull', `atcr.io/${ALICE.handle}/app:latest`])
      assert.equal(auth?.username, ALICE.handle)
      assert.equal(auth?.password, ALICE.device_secret)
      assert.equal(auth?.serveraddress, 'atcr.io')
    })

    test('docker pull of bob.example.com/… forwards bob, not the active alice', async () => {
      const auth = await forwardedBy(['pull', `atcr.io/${BOB.handle}/app:latest`])
      assert.equal(auth?.username, BOB.handle)
      assert.equal(auth?.password, BOB.device_secret)
      assert.equal(auth?.serveraddress, 'atcr.io')
    })

    test('docker push to bob.example.com/… with global flags forwards bob', async () => {
      const auth = await forwardedBy(['--log-level', 'warn', 'push', `atcr.io/${BOB.handle}/app:v1`])
      assert.equal(auth?.username, BOB.handle)
      assert.equal(auth?.password, BOB.device_secret)
    })

    test('ATCR_ACCOUNT given by DID reaches the helper through docker and wins', async () => {
      const auth = await forwardedBy(['pull', 'atcr.io/shared/base:latest'], {ATCR_ACCOUNT: BOB.did})
      assert.equal(auth?.username, BOB.handle)
      assert.equal(auth?.password, BOB.device_secret)
    })

    test('a DID in the image reference is refused by Docker itself (its reference grammar has no colons)', async () => {
      // So the DID form can only reach the helper through ATCR_ACCOUNT (above) or non-Docker clients.
      const run = await docker(['pull', `atcr.io/${BOB.did}/app:latest`], env)
      assert.equal(run.code, 1)
      assert.match(run.stderr, /invalid reference format/)
    })
  },
)
