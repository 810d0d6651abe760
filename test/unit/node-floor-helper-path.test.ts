/**
 * configure-docker's check of the Node.js Docker will start applies the helper's one floor
 * (src/lib/node-floor.ts): a Node without http.Agent proxyEnv is refused, naming the versions that have it.
 */
import assert from 'node:assert/strict'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {checkHelperOnPath} from '../../src/lib/docker-config/helper-on-path.ts'

const root = mkdtempSync(path.join(tmpdir(), 'atcr-node-floor-'))
after(() => rmSync(root, {recursive: true, force: true}))

/** A PATH of two directories: the helper (a `#!/usr/bin/env node` script), then a fake node printing `version`. */
function pathWithNode(version: string): string {
  const directory = mkdtempSync(path.join(root, 'bin-'))
  const helper = path.join(directory, 'helper')
  const node = path.join(directory, 'node')
  mkdirSync(helper)
  writeFileSync(path.join(helper, 'docker-credential-atcr'), '#!/usr/bin/env node\n')
  chmodSync(path.join(helper, 'docker-credential-atcr'), 0o755)
  mkdirSync(node)
  writeFileSync(path.join(node, 'node'), `#!/bin/sh\necho ${version}\n`)
  chmodSync(path.join(node, 'node'), 0o755)
  return `${helper}:${node}`
}

describe('checkHelperOnPath and the Node.js floor', () => {
  for (const version of ['22.20.0', '23.11.1', '24.4.1']) {
    it(`refuses Node.js ${version}: it has no http.Agent proxyEnv`, async () => {
      const check = await checkHelperOnPath({
        env: {PATH: pathWithNode(version)},
        platform: 'linux',
        runningNode: '/opt/node24/bin/node',
      })
      assert.equal(check.ok, false)
      assert.match(
        check.problems[0]!,
        new RegExp(
          `which is Node\\.js v${version.replaceAll('.', '\\.')}; the helper needs Node\\.js 22\\.21\\+ or 24\\.5\\+\\. `,
        ),
      )
    })
  }

  for (const version of ['22.21.0', '24.5.0', '25.1.0']) {
    it(`accepts Node.js ${version}`, async () => {
      const check = await checkHelperOnPath({
        env: {PATH: pathWithNode(version)},
        platform: 'linux',
        runningNode: '/opt/node24/bin/node',
      })
      assert.deepEqual([check.ok, check.problems], [true, []])
    })
  }
})
