/**
 * `npm run demo`: the main job on a fresh machine, end to end, with nothing but Node.
 *
 * 1. starts the project's AppView emulator on a free loopback port;
 * 2. logs in two accounts through the real device flow (the built CLI prints a code, the emulator
 *    approves it as a person would in the browser);
 * 3. runs `configure-docker` into a temporary DOCKER_CONFIG;
 * 4. shows `get` choosing each account from `docker push <host>/<identity>/app` command lines
 *    (the helper reads its parent's command line, so each `get` runs under a parent named `docker`);
 * 5. shows `status`, then cleans up. Nothing outside a temporary directory is touched.
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {startAppViewEmulator} from '../test/support/appview-emulator.ts'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const CLI = path.join(REPO, 'bin', 'run.js')
const ACCOUNTS = [
  {handle: 'alice.example.com', did: 'did:plc:alice0000000000000000000'},
  {handle: 'bob.example.com', did: 'did:plc:bob000000000000000000000'},
]

const step = (title: string) => console.log(`\n== ${title}`)
const show = (text: string, prefix = '   ') =>
  text
    .trimEnd()
    .split('\n')
    .filter((line) => line !== '')
    .forEach((line) => console.log(`${prefix}${line}`))
/**
 * Run a process without blocking this one: the emulator answers from this process's event loop, so
 * spawnSync would leave every request to it unanswered.
 */
function run(
  args: string[],
  options: {env: NodeJS.ProcessEnv; argv0?: string},
): Promise<{status: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {env: options.env, argv0: options.argv0})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (status) => resolve({status, stdout, stderr}))
    child.stdin.end()
  })
}
const redact = (text: string) => text.replaceAll(/atcr_device_[\w-]+/g, (secret) => `${secret.slice(0, 16)}…`)

if (!existsSync(path.join(REPO, 'dist', 'commands', 'login.js'))) {
  console.error('dist/ is missing or stale: run "npm run build" first (npm run demo does).')
  process.exit(1)
}

const root = mkdtempSync(path.join(tmpdir(), 'atcr-demo-'))
// The helper as an installed command, so Docker (and configure-docker's PATH check) would find it.
const binDirectory = path.join(root, 'bin')
mkdirSync(binDirectory)
symlinkSync(CLI, path.join(binDirectory, 'docker-credential-atcr')) // as `npm install -g` links it
const env: NodeJS.ProcessEnv = {
  PATH: `${binDirectory}${path.delimiter}${process.env.PATH}`,
  HOME: root,
  ATCR_CONFIG_DIR: path.join(root, '.atcr'),
  DOCKER_CONFIG: path.join(root, '.docker'),
  NO_COLOR: '1',
  OCLIF_COLUMNS: '200',
}
mkdirSync(env.DOCKER_CONFIG!)
writeFileSync(path.join(env.DOCKER_CONFIG!, 'config.json'), '{\n  "auths": {}\n}\n')

const emulator = await startAppViewEmulator({interval: 0.5})
let failed = false
try {
  step(`AppView emulator on ${emulator.url}; everything else lives in ${root}`)

  for (const account of ACCOUNTS) {
    step(`docker-credential-atcr login ${emulator.host} --no-browser   (as ${account.handle})`)
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'login', emulator.host, '--no-browser'], {env})
      child.stdin.end()
      let pending = ''
      child.stderr.on('data', (chunk: Buffer) => {
        pending += chunk.toString()
        const lines = pending.split('\n')
        pending = lines.pop() ?? ''
        for (const line of lines) {
          console.log(`   ${line}`)
          const userCode = /one-time code: ([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(line)?.[1]
          if (userCode) {
            setTimeout(() => {
              console.log(`   [emulator] ${account.handle} signs in and approves ${userCode}`)
              emulator.approve(userCode, account)
            }, 1200)
          }
        }
      })
      child.on('close', resolve)
    })
    if (code !== 0) throw new Error(`login exited with ${code}`)
  }

  step(`docker-credential-atcr configure-docker ${emulator.host}`)
  if (existsSync(path.join(REPO, 'dist', 'commands', 'configure-docker.js'))) {
    const configure = await run([CLI, 'configure-docker', emulator.host], {env})
    show(configure.stderr + configure.stdout)
    console.log(`   ${path.join(env.DOCKER_CONFIG!, 'config.json')} now reads:`)
    show(readFileSync(path.join(env.DOCKER_CONFIG!, 'config.json'), 'utf8'), '     ')
    if (configure.status !== 0) throw new Error(`configure-docker exited with ${configure.status}`)
  } else {
    console.log(
      '   skipped: the configure-docker command is not built in this tree (dist/commands/configure-docker.js).',
    )
  }

  // A stand-in for the docker CLI: a process whose command line is `docker push …` and which runs the
  // helper's `get` the way Docker does (registry host on stdin, JSON on stdout).
  const parent = path.join(root, 'docker-stand-in.mjs')
  writeFileSync(
    parent,
    `import {spawnSync} from 'node:child_process'\n` +
      `const result = spawnSync(process.execPath, [${JSON.stringify(CLI)}, 'get'], {input: ${JSON.stringify(emulator.host)}, encoding: 'utf8'})\n` +
      `process.stdout.write(JSON.stringify({status: result.status, stdout: result.stdout, stderr: result.stderr}))\n`,
  )
  for (const account of ACCOUNTS) {
    const image = `${emulator.host}/${account.handle}/app`
    step(`docker push ${image}   →   docker-credential-atcr get`)
    const client = await run([parent, 'push', image], {argv0: 'docker', env: {...env, ATCR_DEBUG: '1'}})
    const answer = JSON.parse(client.stdout) as {status: number; stdout: string; stderr: string}
    show(
      answer.stderr
        .split('\n')
        .filter((line) => / → |session/.test(line))
        .join('\n'),
      '   debug: ',
    )
    show(redact(answer.stdout), '   stdout: ')
    const chosen = (JSON.parse(answer.stdout || '{}') as {Username?: string}).Username
    console.log(`   ${chosen === account.handle ? 'OK' : 'WRONG'}: get answered as ${chosen}`)
    if (chosen !== account.handle) failed = true
  }

  step('docker-credential-atcr status')
  const status = await run([CLI, 'status'], {env})
  show(status.stderr + status.stdout)
} catch (error) {
  failed = true
  console.error(`demo failed: ${(error as Error).message}`)
} finally {
  await emulator.close()
  rmSync(root, {recursive: true, force: true})
}
console.log(
  failed
    ? '\nDemo FAILED.'
    : '\nDemo done: two accounts, one registry, the right one chosen per command line.',
)
process.exitCode = failed ? 1 : 0
