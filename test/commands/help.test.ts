import assert from 'node:assert/strict'
import {existsSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {makeSandbox, REPO} from '../support/cli.ts'
import {runInProcess} from '../support/in-process-cli.ts'

const sandbox = makeSandbox()
after(() => sandbox.cleanup())

const PEOPLE_COMMANDS = ['login', 'logout', 'status', 'switch', 'configure-docker', 'update', 'version']
const PROTOCOL_COMMANDS = ['get', 'store', 'erase', 'list']
/** Only the commands built so far (others come from other branches). */
const builtPeopleCommands = PEOPLE_COMMANDS.filter((name) =>
  existsSync(path.join(REPO, 'dist', 'commands', `${name}.js`)),
)

/** Names and summaries listed under COMMANDS. */
function commandsSection(help: string): Map<string, string> {
  const section = /^COMMANDS\n([\s\S]*?)(?:\n\n|(?![\s\S]))/m.exec(help)
  assert.ok(section, `no COMMANDS section in:\n${help}`)
  const listed = new Map<string, string>()
  for (const line of section[1]!.split('\n')) {
    const match = /^ {2}(\S+)\s+(.*)$/.exec(line)
    if (match) listed.set(match[1]!, match[2]!)
  }
  return listed
}

describe('root help', () => {
  for (const args of [[], ['--help'], ['help']]) {
    it(`\`docker-credential-atcr ${args.join(' ')}\` lists every people command with a summary, and examples`, async () => {
      const result = await runInProcess(args, {env: sandbox.env})
      assert.equal(result.code, 0, result.stderr)
      const listed = commandsSection(result.stdout)
      assert.ok(builtPeopleCommands.includes('switch'), 'dist is built')
      for (const name of builtPeopleCommands) {
        assert.ok(listed.has(name), `${name} missing from:\n${result.stdout}`)
        assert.notEqual(listed.get(name), '', `${name} has no summary`)
      }
      for (const name of PROTOCOL_COMMANDS) assert.ok(!listed.has(name), `${name} must stay hidden`)

      const examples = result.stdout.slice(result.stdout.indexOf('\nEXAMPLES\n'))
      assert.ok(result.stdout.includes('\nEXAMPLES\n'), result.stdout)
      for (const command of ['login', 'status', 'switch', 'configure-docker']) {
        assert.match(examples, new RegExp(`\\$ docker-credential-atcr ${command}\\b`))
      }
      assert.match(examples, /\$ ATCR_ACCOUNT=\S+ docker push atcr\.io\//)
    })
  }

  it('a hidden protocol command still has its own help', async () => {
    const result = await runInProcess(['get', '--help'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /USAGE\n\s+\$ docker-credential-atcr get/)
    assert.doesNotMatch(
      result.stdout,
      /ATCR_ACCOUNT=\S+ docker push/,
      'the root examples are for the root help only',
    )
  })
})

describe('examples of every command', () => {
  it('are shell lines the help prints with a "$ " prompt', async () => {
    const commandsDir = path.join(REPO, 'src', 'commands')
    const files = readdirSync(commandsDir, {recursive: true, encoding: 'utf8'}).filter((file) =>
      file.endsWith('.ts'),
    )
    assert.ok(files.length >= 10, files.join(', '))
    for (const file of files) {
      const module = (await import(path.join(commandsDir, file))) as {
        default: {examples?: (string | {command: string})[]}
      }
      for (const example of module.default.examples ?? []) {
        const command = typeof example === 'string' ? example : example.command
        // oclif adds "$ " only to lines that start with the binary; anything else must bring its own.
        assert.match(command, /^(<%= config\.bin %>|\$ )/, `${file}: ${command}`)
      }
    }
  })
})

describe('help reads as the helper speaks (issue 10)', () => {
  it('the root VERSION line is the --version line', async () => {
    const [help, version] = await Promise.all([
      runInProcess(['--help'], {env: sandbox.env}),
      runInProcess(['--version'], {env: sandbox.env}),
    ])
    const line = /\nVERSION\n {2}(.*)\n/.exec(help.stdout)?.[1]
    assert.equal(`${line}\n`, version.stdout)
  })

  it('the plugins topic describes the topic, not plugins install', async () => {
    const result = await runInProcess(['--help'], {env: sandbox.env})
    const topic = /\nTOPICS\n {2}plugins\s+([\s\S]*?)\n\n/.exec(result.stdout)?.[1] ?? ''
    assert.doesNotMatch(topic, /Installs a plugin/)
    assert.match(
      topic.replaceAll(/\s+/g, ' '),
      /plugins: third-party code that runs with access to your registry secrets/,
    )
  })

  it('update --help: a plain usage line with the CHANNEL argument', async () => {
    const result = await runInProcess(['update', '--help'], {env: sandbox.env})
    assert.equal(result.code, 0, result.stderr)
    const usage = /\nUSAGE\n([\s\S]*?)\n\n/.exec(`\n${result.stdout}`)?.[1] ?? ''
    assert.match(usage, /^ {2}\$ docker-credential-atcr update \[CHANNEL\] /)
    assert.doesNotMatch(usage, /\| +\||\[-b \]|\[\[/)
  })

  it('status --help shows the --json shape with its indentation', async () => {
    const result = await runInProcess(['status', '--help'], {env: sandbox.env})
    const {default: Status} = await import('../../src/commands/status.ts')
    const shape = Status.description!.split('\n').filter((line) => line.startsWith('  '))
    assert.ok(shape.length >= 5, Status.description)
    for (const line of shape)
      assert.ok(result.stdout.includes(`\n  ${line}\n`), `not kept as written: ${line}`)
  })

  for (const [command, value] of [
    ['switch', 'HANDLE|DID'],
    ['logout', 'HANDLE|DID'],
    ['login', 'HANDLE'],
  ] as const) {
    it(`${command} --help names -a ${value}, in USAGE and FLAGS`, async () => {
      const result = await runInProcess([command, '--help'], {env: sandbox.env})
      assert.ok(result.stdout.includes(`[-a ${value}]`), result.stdout)
      assert.ok(result.stdout.includes(`-a, --account=${value} `), result.stdout)
    })
  }
})
