import assert from 'node:assert/strict'
import {chmodSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {CLI, makeSandbox, type Sandbox} from '../support/cli.ts'
import {hasTmux, startInTerminal} from '../support/terminal.ts'
import {runInProcess} from '../support/in-process-cli.ts'

const sandboxes: Sandbox[] = []
after(() => {
  for (const sandbox of sandboxes) sandbox.cleanup()
})

function setup() {
  const sandbox = makeSandbox()
  sandboxes.push(sandbox)
  const dockerDir = sandbox.env.DOCKER_CONFIG!
  const configFile = path.join(dockerDir, 'config.json')
  return {
    sandbox,
    configFile,
    dockerDir,
    writeConfig(text: string) {
      mkdirSync(dockerDir, {recursive: true})
      writeFileSync(configFile, text)
    },
    readConfig: () => readFileSync(configFile, 'utf8'),
    run: (args: string[], env: NodeJS.ProcessEnv = {}) =>
      runInProcess(['configure-docker', ...args], {env: {...sandbox.env, ...env}}),
  }
}

/** A PATH where Docker finds a helper script whose `node` is `version`. */
function pathWithHelper(sandbox: Sandbox, version: string): string {
  const bin = path.join(sandbox.root, `bin-${version}`)
  mkdirSync(bin)
  writeFileSync(path.join(bin, 'docker-credential-atcr'), '#!/usr/bin/env node\n')
  writeFileSync(path.join(bin, 'node'), `#!/bin/sh\necho ${version}\n`)
  chmodSync(path.join(bin, 'docker-credential-atcr'), 0o755)
  chmodSync(path.join(bin, 'node'), 0o755)
  return `${bin}:/usr/bin:/bin`
}

describe('configure-docker (spawned)', () => {
  it('defaults to atcr.io plus every configured registry, creating config.json 0600', async () => {
    const t = setup()
    t.sandbox.writeAccounts({
      version: 2,
      registries: {
        'https://buoy.cr': {accounts: {}},
        'http://localhost:5000': {accounts: {}},
      },
    })
    const result = await t.run([], {PATH: pathWithHelper(t.sandbox, '24.5.0')})
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(JSON.parse(t.readConfig()), {
      credHelpers: {'atcr.io': 'atcr', 'buoy.cr': 'atcr', 'localhost:5000': 'atcr'},
    })
    assert.equal(statSync(t.configFile).mode & 0o777, 0o600)
    assert.match(
      result.stderr,
      /Docker now uses docker-credential-atcr for atcr\.io, buoy\.cr, localhost:5000/,
    )
    assert.doesNotMatch(result.stderr, /Warning/)
    assert.equal(result.stdout, '')
  })

  it('named registries only; a second run says it is already configured and writes nothing', async () => {
    const t = setup()
    t.writeConfig('{\n    "auths": {}\n}\n')
    let result = await t.run(['https://Buoy.cr/', 'localhost:5000'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(
      t.readConfig(),
      '{\n    "auths": {},\n    "credHelpers": {\n        "buoy.cr": "atcr",\n        "localhost:5000": "atcr"\n    }\n}\n',
    )
    const before = statSync(t.configFile).mtimeMs
    result = await t.run(['buoy.cr', 'localhost:5000'])
    assert.equal(result.code, 0)
    assert.match(
      result.stderr,
      /already uses docker-credential-atcr for buoy\.cr, localhost:5000.*nothing to change/,
    )
    assert.equal(statSync(t.configFile).mtimeMs, before)
  })

  it('--dry-run prints the diff on stdout and writes nothing', async () => {
    const t = setup()
    const text = '{"credHelpers": {"gcr.io": "gcloud"}}'
    t.writeConfig(text)
    const result = await t.run(['atcr.io', '--dry-run'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(
      result.stdout,
      '  "credHelpers": {\n      "gcr.io": "gcloud"\n+     "atcr.io": "atcr"\n  }\n',
    )
    assert.match(result.stderr, /Dry run: would update .*config\.json for atcr\.io; nothing was written/)
    assert.equal(t.readConfig(), text)
  })

  it('--json: the documented shape, warnings and the helper check included', async () => {
    const t = setup()
    t.writeConfig(JSON.stringify({credsStore: 'desktop', auths: {'atcr.io': {auth: 'c2VjcmV0'}}}))
    const result = await t.run(['--json'], {PATH: pathWithHelper(t.sandbox, '20.11.1')})
    assert.equal(result.code, 0, result.stderr)
    const output = JSON.parse(result.stdout)
    assert.deepEqual(Object.keys(output).sort(), [
      'added',
      'alreadyConfigured',
      'created',
      'diff',
      'dryRun',
      'file',
      'helper',
      'replaced',
      'target',
      'warnings',
      'written',
    ])
    assert.equal(output.file, t.configFile)
    assert.deepEqual(output.added, ['atcr.io'])
    assert.equal(output.written, true)
    assert.equal(output.dryRun, false)
    assert.equal(output.warnings.length, 2)
    assert.equal(output.helper.ok, false)
    assert.equal(output.helper.nodeVersion, '20.11.1')
    assert.doesNotMatch(result.stdout, /c2VjcmV0/, 'no secret from auths in the output')
    // The same warnings reach a person on stderr.
    assert.match(result.stderr, /Note: credsStore "desktop"/)
    assert.match(result.stderr, /Note: .*atcr\.io login saved in "auths"/)
    assert.match(
      result.stderr,
      /Warning: .*Node\.js v20\.11\.1; the helper needs Node\.js 22\.21\+ or 24\.5\+/,
    )
  })

  it('a symlinked config.json: the target is updated, the link stays', async () => {
    const t = setup()
    const target = path.join(t.sandbox.root, 'dotfiles-docker.json')
    writeFileSync(target, '{\n  "credHelpers": {\n    "gcr.io": "gcloud"\n  }\n}\n', {mode: 0o640})
    mkdirSync(t.dockerDir, {recursive: true})
    symlinkSync(target, t.configFile)
    const result = await t.run(['atcr.io'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(lstatSync(t.configFile).isSymbolicLink(), true)
    assert.match(result.stderr, /→ .*dotfiles-docker\.json/)
    assert.equal(
      readFileSync(target, 'utf8'),
      '{\n  "credHelpers": {\n    "gcr.io": "gcloud",\n    "atcr.io": "atcr"\n  }\n}\n',
    )
    assert.equal(statSync(target).mode & 0o777, 0o640)
  })

  it('a corrupt config.json: exit 1 naming the file, the file untouched', async () => {
    const t = setup()
    t.writeConfig('{"auths": ')
    const result = await t.run(['atcr.io'])
    assert.equal(result.code, 1)
    assert.match(
      result.stderr.replaceAll(/\s*›\s*/g, ' '),
      /Cannot use Docker's config file .*config\.json: not valid JSON/,
    )
    assert.equal(t.readConfig(), '{"auths": ')
  })

  it('an invalid registry argument is a usage error', async () => {
    const t = setup()
    const result = await t.run(['ftp://atcr.io'])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /only http and https are registries/)
  })

  it("another helper's entry: refused without a terminal, naming --force; nothing written", async () => {
    const t = setup()
    const text = '{"credHelpers": {"atcr.io": "gcloud"}}'
    t.writeConfig(text)
    const result = await t.run(['atcr.io'])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /^Error: Docker uses "gcloud" for atcr\.io\. .*Pass --force\.\n$/)
    assert.equal(t.readConfig(), text)
    const json = await t.run(['atcr.io', '--json'])
    assert.equal(json.code, 2)
    assert.match(JSON.parse(json.stdout).error.message, /--force/)
    assert.equal(t.readConfig(), text)
  })

  it("--force replaces another helper's entry and says what it was", async () => {
    const t = setup()
    t.writeConfig('{"credHelpers": {"atcr.io": "gcloud"}}')
    const result = await t.run(['atcr.io', '--force'])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(JSON.parse(t.readConfig()), {credHelpers: {'atcr.io': 'atcr'}})
    assert.match(result.stderr, /before, atcr\.io used "gcloud"/)
  })

  it('--dry-run shows a replacement without asking', async () => {
    const t = setup()
    t.writeConfig('{"credHelpers": {"atcr.io": "gcloud"}}')
    const result = await t.run(['atcr.io', '--dry-run'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /-\s+"atcr\.io": "gcloud"\n\+\s+"atcr\.io": "atcr"/)
  })

  it('every note is one short line', async () => {
    const t = setup()
    t.writeConfig(JSON.stringify({credsStore: 'desktop', auths: {'atcr.io': {auth: 'c2VjcmV0'}}}))
    const result = await t.run(['atcr.io'], {PATH: pathWithHelper(t.sandbox, '24.1.0')})
    assert.equal(result.code, 0, result.stderr)
    const notes = result.stderr.split('\n').filter((line) => line.startsWith('Note: '))
    assert.equal(notes.length, 2, result.stderr)
    for (const note of notes) {
      const withoutPath = note.replaceAll(t.configFile, 'FILE')
      assert.ok(withoutPath.length <= 240, `${withoutPath.length} characters: ${note}`)
    }
    assert.match(
      notes[1]!.replaceAll(t.configFile, 'FILE'),
      /"auths" \(key "atcr\.io"\): delete that entry from FILE by hand, not with docker logout atcr\.io/,
    )
  })

  describe('at a terminal', {skip: !hasTmux() && 'tmux is not installed'}, () => {
    for (const [answer, expected] of [
      ['n', 'no'],
      ['y', 'yes'],
      ['', 'default'],
    ] as const) {
      it(`asks before replacing another helper's entry; ${expected}`, async () => {
        const t = setup()
        const text = '{"credHelpers": {"atcr.io": "gcloud"}}'
        t.writeConfig(text)
        const env: NodeJS.ProcessEnv = {...t.sandbox.env, PATH: pathWithHelper(t.sandbox, '24.1.0')}
        delete env.CI
        const terminal = await startInTerminal({
          command: process.execPath,
          args: [CLI, 'configure-docker', 'atcr.io'],
          env,
          cols: 200,
        })
        try {
          await terminal.waitForText('Replace with docker-credential-atcr?')
          assert.match(
            terminal.text(),
            /Docker uses "gcloud" for atcr\.io\. Replace with docker-credential-atcr\? \(y\/N\)/,
          )
          if (answer) terminal.typeText(answer)
          terminal.sendKeys('Enter')
          const code = await terminal.waitForExit()
          if (answer === 'y') {
            assert.equal(code, 0, terminal.text())
            assert.deepEqual(JSON.parse(t.readConfig()), {credHelpers: {'atcr.io': 'atcr'}})
          } else {
            assert.equal(code, 1, terminal.text())
            assert.match(terminal.text(), /^Nothing was changed\.$/m)
            assert.doesNotMatch(terminal.text(), /Error:/)
            assert.equal(t.readConfig(), text)
          }
        } finally {
          terminal.close()
        }
      })
    }
  })
})
