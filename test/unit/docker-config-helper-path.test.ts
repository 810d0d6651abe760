import assert from 'node:assert/strict'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {
  checkHelperOnPath,
  findOnPath,
  type HelperCheckEnvironment,
  nodeOfWrapper,
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

describe('nodeOfWrapper', () => {
  it('reads the node a wrapper execs when the exec line names it literally', () => {
    assert.deepEqual(nodeOfWrapper('#!/bin/sh\nexec "/opt/n/bin/node" "/x/run.js" "$@"\n'), {
      absolute: '/opt/n/bin/node',
    })
    assert.deepEqual(nodeOfWrapper('#!/bin/sh\n  exec \'/opt/n/bin/node-22\' /x/run.js "$@"\n'), {
      absolute: '/opt/n/bin/node-22',
    })
    assert.deepEqual(nodeOfWrapper('#!/bin/bash\nexec node /x/run.js "$@"\n'), {viaPath: 'node'})
  })

  it('gives up on variables, relative paths, other programs and scripts without exec', () => {
    assert.equal(nodeOfWrapper('#!/bin/sh\nexec "$basedir/node" "$basedir/run.js"\n'), undefined)
    assert.equal(nodeOfWrapper('#!/bin/sh\nexec ./bin/node run.js\n'), undefined)
    assert.equal(nodeOfWrapper('#!/bin/sh\nexec /usr/bin/python3 x.py\n'), undefined)
    assert.equal(nodeOfWrapper('#!/bin/sh\necho hi\n'), undefined)
  })
})

describe('checkHelperOnPath', () => {
  it('ok: the helper on PATH starts the first node on PATH, which is >= 22', async () => {
    const helperDir = binDirectory({'docker-credential-atcr': helperScript})
    const oldNode = binDirectory({node: fakeNode('20.11.1')})
    const newNode = binDirectory({node: fakeNode('24.5.0')})
    const check = await checkHelperOnPath(environment([helperDir, newNode, oldNode].join(':')))
    assert.deepEqual(check, {
      helperPath: path.join(helperDir, 'docker-credential-atcr'),
      node: path.join(newNode, 'node'),
      nodeVersion: '24.5.0',
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
    assert.match(check.problems[0]!, /needs Node\.js 22\.21\+ or 24\.5\+/)
    assert.match(check.problems[0]!, /export PATH="\/opt\/node24\/bin:\$PATH"/)
    assert.match(check.problems[0]!, /npm install -g docker-credential-atcr/)
  })

  it('the helper missing from PATH: says how to install it', async () => {
    const check = await checkHelperOnPath(environment(binDirectory({node: fakeNode('24.5.0')})))
    assert.equal(check.ok, false)
    assert.equal(check.helperPath, undefined)
    assert.match(check.problems[0]!, /docker-credential-atcr is not on PATH/)
    assert.match(check.problems[0]!, /npm install -g docker-credential-atcr/)
  })

  it('a release install missing from PATH: says to add its launcher directory, not to use npm', async () => {
    const launcher = path.join(root, 'home', '.local', 'bin', 'docker-credential-atcr')
    const base = environment(binDirectory({node: fakeNode('24.5.0')}))
    const check = await checkHelperOnPath({
      ...base,
      env: {...base.env, DOCKER_CREDENTIAL_ATCR_BINPATH: launcher},
    })
    assert.equal(check.ok, false)
    assert.match(check.problems[0]!, /docker-credential-atcr is not on PATH/)
    assert.match(
      check.problems[0]!,
      new RegExp(
        `installed from a release in ${path.dirname(launcher)}: add it to PATH: export PATH="${path.dirname(launcher)}:\\$PATH"`,
      ),
    )
    assert.doesNotMatch(check.problems[0]!, /npm/)
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
    const nodeDir = binDirectory({node: fakeNode('24.5.0')})
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

  it('a #!/bin/sh wrapper that execs a node by absolute path: checks that node, not the shell', async () => {
    const oldNode = binDirectory({node: fakeNode('20.11.1')})
    const newNode = binDirectory({node: fakeNode('24.5.0')})
    const wrapper = (node: string) =>
      `#!/bin/sh\n# installed by a test\nexec "${path.join(node, 'node')}" "/opt/atcr/bin/run.js" "$@"\n`
    const good = binDirectory({'docker-credential-atcr': wrapper(newNode)})
    const bad = binDirectory({'docker-credential-atcr': wrapper(oldNode)})
    // An old node first on PATH does not matter: the wrapper names its own.
    const okCheck = await checkHelperOnPath(environment([good, oldNode].join(':')))
    assert.deepEqual(okCheck, {
      helperPath: path.join(good, 'docker-credential-atcr'),
      node: path.join(newNode, 'node'),
      nodeVersion: '24.5.0',
      ok: true,
      problems: [],
    })
    const oldCheck = await checkHelperOnPath(environment([bad, newNode].join(':')))
    assert.equal(oldCheck.ok, false)
    assert.equal(oldCheck.node, path.join(oldNode, 'node'))
    assert.match(
      oldCheck.problems[0]!,
      /which is Node\.js v20\.11\.1; the helper needs Node\.js 22\.21\+ or 24\.5\+/,
    )
  })

  it('a shell wrapper whose node cannot be told: no Node version claimed from the shell, no warning', async () => {
    const asked: string[] = []
    const nodeVersionOf = (node: string) => {
      asked.push(node)
      return Promise.resolve('5.2.15') // what a shell "version" would look like if one were asked
    }
    const pnpmLike = binDirectory({
      'docker-credential-atcr':
        '#!/bin/sh\nbasedir=$(dirname "$0")\nexec "$basedir/node" "$basedir/../lib/run.js" "$@"\n',
    })
    const check = await checkHelperOnPath(environment(pnpmLike, {nodeVersionOf}))
    assert.deepEqual(asked, [])
    assert.equal(check.ok, true)
    assert.deepEqual(check.problems, [])
    assert.equal(check.node, undefined)
    assert.equal(check.nodeVersion, undefined)
    assert.match(check.note ?? '', /is a shell script.*could not tell which Node\.js it starts/)

    const python = binDirectory({'docker-credential-atcr': '#!/usr/bin/env python3\nprint(1)\n'})
    const pythonCheck = await checkHelperOnPath(environment(python, {nodeVersionOf}))
    assert.deepEqual(asked, [])
    assert.equal(pythonCheck.ok, true)
    assert.match(pythonCheck.note ?? '', /python3 script.*could not tell which Node\.js it starts/)
  })

  it('the real /bin/sh wrapper of the bug report gives no false "Reinstall" warning', async () => {
    const helperDir = binDirectory({
      'docker-credential-atcr': `#!/bin/sh\nexec "${process.execPath}" "/nowhere/run.js" "$@"\n`,
    })
    const check = await checkHelperOnPath(environment(helperDir, {runningNode: process.execPath}))
    assert.equal(check.node, process.execPath)
    assert.equal(check.nodeVersion, process.versions.node)
    assert.deepEqual(check.problems, [])
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
