import assert from 'node:assert/strict'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {
  checkHelperOnPath,
  findOnPath,
  type HelperCheckEnvironment,
  parseShebang,
} from '../../src/lib/docker-config/helper-on-path.ts'

const root = mkdtempSync(path.join(tmpdir(), 'atcr-helper-path-'))
after(() => rmSync(root, {recursive: true, force: true}))
let counter = 0

/** A directory with executable files: name → content. */
function binDirectory(files: Record<string, string>): string {
  const directory = path.join(root, `bin${counter++}`)
  mkdirSync(directory)
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(directory, name), content)
    chmodSync(path.join(directory, name), 0o755)
  }
  return directory
}
/** A fake `node` that prints a version, as `node -p process.versions.node` would. */
const fakeNode = (version: string) => `#!/bin/sh\necho ${version}\n`
const helperScript = '#!/usr/bin/env node\nconsole.log("hi")\n'

function environment(PATH: string, overrides: Partial<HelperCheckEnvironment> = {}): HelperCheckEnvironment {
  return {env: {PATH}, platform: 'linux', runningNode: '/opt/node24/bin/node', ...overrides}
}

describe('findOnPath', () => {
  it('takes the first executable match in PATH order, skipping non-executable files and empty entries', () => {
    const notExecutable = binDirectory({})
    writeFileSync(path.join(notExecutable, 'docker-credential-atcr'), 'x', {mode: 0o644})
    const first = binDirectory({'docker-credential-atcr': helperScript})
    const second = binDirectory({'docker-credential-atcr': helperScript})
    const found = findOnPath('docker-credential-atcr', {
      env: {PATH: ['', notExecutable, first, second].join(':')},
      platform: 'linux',
    })
    assert.equal(found, path.join(first, 'docker-credential-atcr'))
  })

  it('on Windows tries PATHEXT extensions', () => {
    const seen: string[] = []
    const found = findOnPath('docker-credential-atcr', {
      env: {Path: 'C:\\npm;C:\\other', PATHEXT: '.EXE;.CMD'},
      platform: 'win32',
      isExecutable: (file) => {
        seen.push(file)
        return file === 'C:\\npm\\docker-credential-atcr.CMD'
      },
    })
    assert.equal(found, 'C:\\npm\\docker-credential-atcr.CMD')
    assert.deepEqual(seen, [
      'C:\\npm\\docker-credential-atcr',
      'C:\\npm\\docker-credential-atcr.EXE',
      'C:\\npm\\docker-credential-atcr.CMD',
    ])
  })
})

describe('parseShebang', () => {
  it('reads env, env -S and absolute interpreters', () => {
    assert.deepEqual(parseShebang('#!/usr/bin/env node\n'), {viaPath: 'node'})
    assert.deepEqual(parseShebang('#!/usr/bin/env -S node --no-warnings\n'), {viaPath: 'node'})
    assert.deepEqual(parseShebang('#!/usr/local/bin/node\n'), {absolute: '/usr/local/bin/node'})
    assert.equal(parseShebang('\u007fELF...'), undefined)
  })
})

describe('checkHelperOnPath', () => {
  it('ok: the helper on PATH starts the first node on PATH, which is >= 22', async () => {
    const helperDir = binDirectory({'docker-credential-atcr': helperScript})
    const oldNode = binDirectory({node: fakeNode('20.11.1')})
    const newNode = binDirectory({node: fakeNode('24.1.0')})
    const check = await checkHelperOnPath(environment([helperDir, newNode, oldNode].join(':')))
    assert.deepEqual(check, {
      helperPath: path.join(helperDir, 'docker-credential-atcr'),
      node: path.join(newNode, 'node'),
      nodeVersion: '24.1.0',
      ok: true,
      problems: [],
    })
  })

  it('an old node first on PATH: says which, and exactly how to put a newer one first', async () => {
    const helperDir = binDirectory({'docker-credential-atcr': helperScript})
    const oldNode = binDirectory({node: fakeNode('20.11.1')})
    const check = await checkHelperOnPath(environment([helperDir, oldNode].join(':')))
    assert.equal(check.ok, false)
    assert.equal(check.nodeVersion, '20.11.1')
    assert.equal(check.problems.length, 1)
    assert.match(
      check.problems[0]!,
      new RegExp(`starts ${path.join(oldNode, 'node')}, which is Node\\.js v20\\.11\\.1`),
    )
    assert.match(check.problems[0]!, /needs 22 or newer/)
    assert.match(check.problems[0]!, /export PATH="\/opt\/node24\/bin:\$PATH"/)
    assert.match(check.problems[0]!, /npm install -g docker-credential-atcr/)
  })

  it('the helper missing from PATH: says how to install it', async () => {
    const check = await checkHelperOnPath(environment(binDirectory({node: fakeNode('24.1.0')})))
    assert.equal(check.ok, false)
    assert.equal(check.helperPath, undefined)
    assert.match(check.problems[0]!, /docker-credential-atcr is not on PATH/)
    assert.match(check.problems[0]!, /npm install -g docker-credential-atcr/)
  })

  it('no node on PATH for an env shebang: says to put one first', async () => {
    const helperDir = binDirectory({'docker-credential-atcr': helperScript})
    const check = await checkHelperOnPath(environment(helperDir))
    assert.equal(check.ok, false)
    assert.match(check.problems[0]!, /starts "node" from PATH, but there is none/)
    assert.match(check.problems[0]!, /export PATH="\/opt\/node24\/bin:\$PATH"/)
  })

  it('an absolute old interpreter: says to reinstall with a current Node', async () => {
    const oldNode = binDirectory({node: fakeNode('18.19.0')})
    const helperDir = binDirectory({'docker-credential-atcr': `#!${path.join(oldNode, 'node')}\n`})
    const check = await checkHelperOnPath(environment(helperDir))
    assert.equal(check.ok, false)
    assert.match(check.problems[0]!, /v18\.19\.0/)
    assert.match(check.problems[0]!, /Reinstall the helper with a current Node\.js/)
  })

  it('a node that hangs or fails: reported, with the fix', async () => {
    const helperDir = binDirectory({'docker-credential-atcr': helperScript})
    const nodeDir = binDirectory({node: fakeNode('24.1.0')})
    const check = await checkHelperOnPath(
      environment([helperDir, nodeDir].join(':'), {
        nodeVersionOf: () => Promise.reject(Object.assign(new Error('timed out'), {killed: true})),
      }),
    )
    assert.equal(check.ok, false)
    assert.match(check.problems[0]!, /could not be run \(it did not answer in time\)/)
  })

  it("the real check runs the real Node.js (this process's) within its timeout", async () => {
    const helperDir = binDirectory({'docker-credential-atcr': helperScript})
    const check = await checkHelperOnPath(
      environment([helperDir, path.dirname(process.execPath)].join(':'), {runningNode: process.execPath}),
    )
    assert.equal(check.nodeVersion, process.versions.node)
    assert.equal(check.ok, Number(process.versions.node.split('.')[0]) >= 22)
  })

  it('on Windows the npm shim is enough (no shebang to follow)', async () => {
    const check = await checkHelperOnPath({
      env: {Path: 'C:\\npm', PATHEXT: '.CMD'},
      platform: 'win32',
      runningNode: 'C:\\node\\node.exe',
      isExecutable: (file) => file === 'C:\\npm\\docker-credential-atcr.CMD',
    })
    assert.deepEqual(check, {helperPath: 'C:\\npm\\docker-credential-atcr.CMD', ok: true, problems: []})
  })
})
