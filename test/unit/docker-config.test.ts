import assert from 'node:assert/strict'
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {
  configureDocker,
  planCredHelpers,
  renderCredHelpersDiff,
  ReplacingAnotherHelperError,
} from '../../src/lib/docker-config/cred-helpers.ts'
import {configureDockerFor} from '../../src/lib/docker-config/configure-docker.ts'
import {PersonFacingError} from '../../src/lib/errors/person-facing-error.ts'
import {
  DockerConfigError,
  detectIndentation,
  dockerConfigPath,
  readDockerConfig,
  resolveSymlinkTarget,
} from '../../src/lib/docker-config/docker-config-file.ts'

const directories: string[] = []
after(() => {
  for (const directory of directories) rmSync(directory, {recursive: true, force: true})
})
function temporaryDirectory(): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'atcr-docker-config-'))
  directories.push(directory)
  return directory
}
/** A DOCKER_CONFIG directory holding config.json with `text` (and `mode`), or none. */
function dockerDir(text?: string, mode = 0o600): {file: string; directory: string} {
  const directory = path.join(temporaryDirectory(), 'docker')
  const file = path.join(directory, 'config.json')
  if (text !== undefined) {
    mkdirSync(directory, {recursive: true})
    writeFileSync(file, text)
    chmodSync(file, mode)
  }
  return {file, directory}
}
const read = (file: string) => readFileSync(file, 'utf8')
const modeOf = (file: string) => statSync(file).mode & 0o777

describe('dockerConfigPath', () => {
  it('is $DOCKER_CONFIG/config.json, else ~/.docker/config.json', () => {
    assert.equal(dockerConfigPath({DOCKER_CONFIG: '/x/d'}, '/home/u'), '/x/d/config.json')
    assert.equal(dockerConfigPath({}, '/home/u'), '/home/u/.docker/config.json')
    assert.equal(dockerConfigPath({DOCKER_CONFIG: ''}, '/home/u'), '/home/u/.docker/config.json')
  })
})

describe('detectIndentation', () => {
  it('finds tabs, 2 and 4 spaces, and one-line files', () => {
    assert.equal(detectIndentation('{\n\t"a": 1\n}'), '\t')
    assert.equal(detectIndentation('{\n  "a": {\n    "b": 1\n  }\n}'), '  ')
    assert.equal(detectIndentation('{\n    "a": 1\n}\n'), '    ')
    assert.equal(detectIndentation('{"a": 1}'), '')
  })
})

describe('configureDocker', () => {
  it("creates a missing file 0600 in a new 0700 directory, with Docker's tab indentation", () => {
    const {file, directory} = dockerDir()
    const result = configureDocker({file, hosts: ['atcr.io', 'buoy.cr'], dryRun: false})
    assert.equal(result.created, true)
    assert.equal(result.written, true)
    assert.deepEqual(result.added, ['atcr.io', 'buoy.cr'])
    assert.equal(read(file), '{\n\t"credHelpers": {\n\t\t"atcr.io": "atcr",\n\t\t"buoy.cr": "atcr"\n\t}\n}\n')
    assert.equal(modeOf(file), 0o600)
    assert.equal(statSync(directory).mode & 0o777, 0o700)
    assert.deepEqual(readdirSync(directory), ['config.json'], 'no temporary file left behind')
  })

  it('keeps every other key, their order, auths, credsStore and other helpers', () => {
    const original = {
      auths: {'https://index.docker.io/v1/': {auth: 'dXNlcjpwYXNz'}, 'atcr.io': {}},
      credsStore: 'desktop',
      credHelpers: {'gcr.io': 'gcloud', 'atcr.io': 'desktop'},
      currentContext: 'colima',
      plugins: {debug: {hooks: 'exec'}},
      proxies: {default: {httpProxy: 'http://proxy:3128'}},
    }
    const {file} = dockerDir(JSON.stringify(original, null, 2) + '\n')
    const result = configureDocker({file, hosts: ['atcr.io', 'buoy.cr'], dryRun: false})
    assert.deepEqual(result.added, ['buoy.cr'])
    assert.deepEqual(result.replaced, [{host: 'atcr.io', previous: 'desktop'}])
    const written = JSON.parse(read(file))
    assert.deepEqual(Object.keys(written), Object.keys(original))
    assert.deepEqual(written, {
      ...original,
      credHelpers: {'gcr.io': 'gcloud', 'atcr.io': 'atcr', 'buoy.cr': 'atcr'},
    })
    // An empty auths entry (credentials kept in a store) shadows nothing.
    assert.equal(result.warnings.filter((w) => w.includes('"auths"')).length, 0)
    // credsStore stays; credHelpers wins for our hosts, and the note says so.
    assert.equal(result.warnings.length, 1)
    assert.match(
      result.warnings[0]!,
      /credsStore "desktop" still answers for other registries; for atcr\.io, buoy\.cr credHelpers wins/,
    )
  })

  for (const [name, indentation] of [
    ['tabs', '\t'],
    ['2 spaces', '  '],
    ['4 spaces', '    '],
  ] as const) {
    it(`keeps ${name} indentation`, () => {
      const text = JSON.stringify({auths: {}, credHelpers: {'gcr.io': 'gcloud'}}, null, indentation) + '\n'
      const {file} = dockerDir(text)
      configureDocker({file, hosts: ['atcr.io'], dryRun: false})
      const expected =
        JSON.stringify({auths: {}, credHelpers: {'gcr.io': 'gcloud', 'atcr.io': 'atcr'}}, null, indentation) +
        '\n'
      assert.equal(read(file), expected)
    })
  }

  it('keeps a one-line file on one line and its missing trailing newline', () => {
    const {file} = dockerDir('{"auths":{}}')
    configureDocker({file, hosts: ['atcr.io'], dryRun: false})
    assert.equal(read(file), '{"auths":{},"credHelpers":{"atcr.io":"atcr"}}')
  })

  it('keeps the file mode (0644 stays 0644, 0640 stays 0640)', () => {
    for (const mode of [0o644, 0o640]) {
      const {file} = dockerDir('{}', mode)
      configureDocker({file, hosts: ['atcr.io'], dryRun: false})
      assert.equal(modeOf(file), mode)
    }
  })

  it('follows a symlinked config.json and writes its target, leaving the link in place', () => {
    const root = temporaryDirectory()
    const dotfiles = path.join(root, 'dotfiles')
    mkdirSync(dotfiles)
    const target = path.join(dotfiles, 'docker-config.json')
    writeFileSync(target, '{\n  "auths": {}\n}\n', {mode: 0o644})
    const directory = path.join(root, 'docker')
    mkdirSync(directory)
    const file = path.join(directory, 'config.json')
    symlinkSync('../dotfiles/docker-config.json', file)

    const result = configureDocker({file, hosts: ['atcr.io'], dryRun: false})
    assert.equal(result.target, target)
    assert.equal(statSync(file, {throwIfNoEntry: true}).isFile(), true)
    assert.equal(readdirSync(directory).length, 1)
    assert.equal(resolveSymlinkTarget(file), target, 'config.json is still a symlink to the same file')
    assert.deepEqual(JSON.parse(read(target)), {auths: {}, credHelpers: {'atcr.io': 'atcr'}})
    assert.equal(modeOf(target), 0o644)
    assert.deepEqual(readdirSync(dotfiles), ['docker-config.json'])
  })

  it('a dangling symlink is created at its target', () => {
    const root = temporaryDirectory()
    const file = path.join(root, 'config.json')
    symlinkSync('real.json', file)
    configureDocker({file, hosts: ['atcr.io'], dryRun: false})
    assert.deepEqual(JSON.parse(read(path.join(root, 'real.json'))), {credHelpers: {'atcr.io': 'atcr'}})
  })

  it('a corrupt file is a DockerConfigError naming it, and it is never overwritten', () => {
    for (const text of ['{"auths": {', '[1, 2]', '"text"', '{"credHelpers": ["atcr.io"]}']) {
      const {file} = dockerDir(text)
      assert.throws(
        () => configureDocker({file, hosts: ['atcr.io'], dryRun: false}),
        (error: unknown) => error instanceof DockerConfigError && error.message.startsWith(file),
      )
      assert.equal(read(file), text)
    }
  })

  it('a corrupt file is described without quoting any of it (no piece of an auth credential)', () => {
    const auth = Buffer.from('alice:atcr_device_SECRETsecret1234').toString('base64')
    for (const text of [
      `{"auths": {"atcr.io": {"auth": "${auth}"}} x`,
      `{"auths": {"atcr.io": {"auth": ${auth}}}}`,
      `{"auths": {"atcr.io": {"auth": "${auth}", }}}`,
    ]) {
      const {file} = dockerDir(text)
      assert.throws(
        () => configureDocker({file, hosts: ['atcr.io'], dryRun: false}),
        (error: unknown) => {
          const message = (error as Error).message
          assert.ok(error instanceof DockerConfigError)
          assert.match(message, /not valid JSON/)
          for (let at = 0; at + 8 <= auth.length; at++)
            assert.ok(!message.includes(auth.slice(at, at + 8)), `${message} quotes the credential`)
          return true
        },
      )
    }
  })

  it('a config path that is a directory is a DockerConfigError in plain words', () => {
    const {file} = dockerDir('{}')
    rmSync(file)
    mkdirSync(file)
    assert.throws(
      () => configureDocker({file, hosts: ['atcr.io'], dryRun: false}),
      (error: unknown) =>
        error instanceof DockerConfigError &&
        error.message === `${file}: cannot read it: is a directory, not a file`,
    )
  })

  it('a DOCKER_CONFIG that is a file, not a directory, is a DockerConfigError in plain words', () => {
    const notADirectory = path.join(temporaryDirectory(), 'docker')
    writeFileSync(notADirectory, '')
    const file = path.join(notADirectory, 'config.json')
    for (const dryRun of [true, false]) {
      assert.throws(
        () => configureDocker({file, hosts: ['atcr.io'], dryRun}),
        (error: unknown) =>
          error instanceof DockerConfigError &&
          error.message === `${file}: cannot read it: ${notADirectory} is a file, not a directory`,
      )
    }
    assert.equal(readFileSync(notADirectory, 'utf8'), '')
  })

  it('an empty file counts as an empty config', () => {
    const {file} = dockerDir('')
    const result = configureDocker({file, hosts: ['atcr.io'], dryRun: false})
    assert.equal(result.created, false)
    assert.deepEqual(JSON.parse(read(file)), {credHelpers: {'atcr.io': 'atcr'}})
  })

  it('--dry-run writes nothing, not even a missing file or directory, and shows the change', () => {
    const text = '{\n\t"credHelpers": {\n\t\t"gcr.io": "gcloud",\n\t\t"atcr.io": "desktop"\n\t}\n}'
    const {file} = dockerDir(text)
    const result = configureDocker({file, hosts: ['atcr.io', 'buoy.cr'], dryRun: true})
    assert.equal(result.written, false)
    assert.equal(read(file), text)
    assert.equal(
      result.diff,
      [
        '  "credHelpers": {',
        '      "gcr.io": "gcloud"',
        '-     "atcr.io": "desktop"',
        '+     "atcr.io": "atcr"',
        '+     "buoy.cr": "atcr"',
        '  }',
      ].join('\n'),
    )

    const missing = dockerDir()
    const dry = configureDocker({file: missing.file, hosts: ['atcr.io'], dryRun: true})
    assert.equal(dry.created, true)
    assert.equal(dry.written, false)
    assert.throws(() => statSync(missing.directory), /ENOENT/)
  })

  it('already configured: nothing to write, the file untouched', () => {
    const text = '{\n  "credHelpers": {\n    "atcr.io": "atcr"\n  }\n}\n'
    const {file} = dockerDir(text, 0o644)
    const before = statSync(file).mtimeMs
    const result = configureDocker({file, hosts: ['atcr.io'], dryRun: false})
    assert.deepEqual(result.alreadyConfigured, ['atcr.io'])
    assert.equal(result.written, false)
    assert.equal(result.diff, '')
    assert.equal(read(file), text)
    assert.equal(statSync(file).mtimeMs, before)
  })

  it("mayReplace: false leaves another helper's entry and the whole file alone, and says which", () => {
    const text = '{"credHelpers": {"atcr.io": "gcloud"}}'
    const {file} = dockerDir(text)
    assert.throws(
      () => configureDocker({file, hosts: ['atcr.io', 'buoy.cr'], dryRun: false, mayReplace: false}),
      (error: unknown) =>
        error instanceof ReplacingAnotherHelperError &&
        error.replaced.length === 1 &&
        error.replaced[0]!.previous === 'gcloud',
    )
    assert.equal(read(file), text)
    // A dry run only shows it.
    assert.deepEqual(configureDocker({file, hosts: ['atcr.io'], dryRun: true, mayReplace: false}).replaced, [
      {host: 'atcr.io', previous: 'gcloud'},
    ])
  })
})

describe('planCredHelpers warnings', () => {
  it('an auths entry with auth or identitytoken for one of the hosts shadows the helper for some clients', () => {
    const config = {
      auths: {
        'https://atcr.io/v1/': {auth: 'c2VjcmV0'},
        'buoy.cr': {identitytoken: 'tok'},
        'localhost:5000': {},
        'other.io': {auth: 'eA=='},
      },
    }
    const plan = planCredHelpers(config, ['atcr.io', 'buoy.cr', 'localhost:5000'], '/d/config.json')
    const shadows = plan.warnings.filter((warning) => warning.includes('"auths"'))
    assert.equal(shadows.length, 2)
    assert.match(shadows[0]!, /atcr\.io login saved in "auths" \(key "https:\/\/atcr\.io\/v1\/"\)/)
    assert.match(shadows[0]!, /podman, skopeo/)
    assert.match(shadows[0]!, /delete that entry from \/d\/config\.json by hand/)
    assert.match(shadows[0]!, /docker logout atcr\.io/)
    assert.match(shadows[1]!, /buoy\.cr/)
    for (const warning of plan.warnings) {
      assert.doesNotMatch(warning, /c2VjcmV0|tok\b/, 'no secret in a warning')
    }
  })

  it('no credsStore, no auths: no warnings', () => {
    assert.deepEqual(planCredHelpers({}, ['atcr.io'], 'f').warnings, [])
  })

  it('renders a diff of an absent credHelpers', () => {
    const plan = planCredHelpers({}, ['atcr.io'], 'f')
    assert.equal(renderCredHelpersDiff(plan), '  "credHelpers": {\n+     "atcr.io": "atcr"\n  }')
  })
})

describe('readDockerConfig', () => {
  it('reports a missing file as empty, not existing', () => {
    const {file} = dockerDir()
    const document = readDockerConfig(file)
    assert.equal(document.exists, false)
    assert.deepEqual(document.config, {})
  })
})

describe('configureDocker leaves what it does not change as it was (issue 18)', () => {
  const compactElsewhere = [
    '{',
    '\t"auths": {"ghcr.io": {"auth": "dXNlcjpwYXNz"}, "quay.io": {}},',
    '\t"proxies": {"default": {"httpProxy": "http://proxy:3128"}},',
    '\t"credHelpers": {',
    '\t\t"gcr.io": "gcloud"',
    '\t},',
    '\t"plugins": {"x": {"enabled": "true"}}',
    '}',
    '',
  ].join('\n')

  it('rewrites only the credHelpers object; compact objects elsewhere stay byte for byte', () => {
    const {file} = dockerDir(compactElsewhere)
    configureDocker({file, hosts: ['atcr.io'], dryRun: false})
    assert.equal(
      read(file),
      compactElsewhere.replace(
        '\t\t"gcr.io": "gcloud"\n',
        '\t\t"gcr.io": "gcloud",\n\t\t"atcr.io": "atcr"\n',
      ),
    )
  })

  it('adds credHelpers after the last key, touching nothing before it', () => {
    const text = '{\n  "auths": {"ghcr.io": {"auth": "dXNlcjpwYXNz"}},\n  "detachKeys": "ctrl-e,e"\n}\n'
    const {file} = dockerDir(text)
    configureDocker({file, hosts: ['atcr.io'], dryRun: false})
    assert.equal(
      read(file),
      '{\n  "auths": {"ghcr.io": {"auth": "dXNlcjpwYXNz"}},\n  "detachKeys": "ctrl-e,e",\n  "credHelpers": {\n    "atcr.io": "atcr"\n  }\n}\n',
    )
  })

  it('keeps a compact credHelpers compact', () => {
    const text = '{\n\t"credHelpers": {"gcr.io": "gcloud"},\n\t"auths": {}\n}\n'
    const {file} = dockerDir(text)
    configureDocker({file, hosts: ['atcr.io'], dryRun: false})
    assert.equal(read(file), '{\n\t"credHelpers": {"gcr.io":"gcloud","atcr.io":"atcr"},\n\t"auths": {}\n}\n')
  })
})

describe('configureDockerFor: the whole command without oclif (issue 20)', () => {
  const helperOk = async () => ({ok: true, problems: [], helperPath: '/usr/bin/docker-credential-atcr'})
  const request = (file: string, extra: Partial<Parameters<typeof configureDockerFor>[0]> = {}) => ({
    file,
    registries: [] as string[],
    savedHosts: () => ['buoy.cr'],
    dryRun: false,
    force: false,
    checkHelper: helperOk,
    helperEnvironment: {env: {}, platform: 'linux' as const, runningNode: process.execPath},
    ...extra,
  })

  it('atcr.io and the saved registries; the line a person reads', async () => {
    const {file} = dockerDir()
    const answer = await configureDockerFor(request(file))
    assert.ok(!answer.declined)
    assert.deepEqual(answer.output.added, ['atcr.io', 'buoy.cr'])
    assert.deepEqual(answer.result, [])
    assert.deepEqual(answer.notes, [
      `Docker now uses docker-credential-atcr for atcr.io, buoy.cr (created ${file}).`,
    ])
  })

  it("another helper's entry: a usage error naming --force without a prompter; replaced after a yes", async () => {
    const {file} = dockerDir('{"credHelpers": {"atcr.io": "other"}}\n')
    await assert.rejects(configureDockerFor(request(file, {registries: ['atcr.io']})), (error: Error) => {
      assert.ok(error instanceof PersonFacingError)
      assert.equal(error.exit, 2)
      assert.match(
        error.message,
        /Docker uses "other" for atcr\.io\. Replace with docker-credential-atcr\? .*Pass --force\./,
      )
      return true
    })
    const asked: string[] = []
    const prompter = {
      confirm: async (question: string) => (asked.push(question), true),
      select: async () => '',
    }
    const answer = await configureDockerFor(request(file, {registries: ['atcr.io'], prompter}))
    assert.equal(asked.length, 1)
    assert.ok(!answer.declined)
    assert.deepEqual(answer.output.replaced, [{host: 'atcr.io', previous: 'other'}])
  })
})
