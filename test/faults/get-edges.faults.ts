/**
 * `get` and the files it touches, at their limits (issue 17). Each case was seen failing on the build
 * before its fix:
 * - a FIFO or a /dev/zero link at each lock path: get answers within its budget, memory bounded (it hung
 *   for ever; /dev/zero grew to 1.9 GB), and store and erase complete;
 * - `registry.localhost` resolving to 192.0.2.1, in a network and mount namespace with its own
 *   /etc/hosts (nothing leaves the machine): no plain-http attempt (the secret went to port 80 in clear);
 * - a DNS server on 127.0.0.1 that never answers, bound as the resolver in a mount namespace: get exits
 *   within 2 s of its start (it answered at ~2 s and exited at ~10.5 s);
 * - a tampered module imported by a trusted hook: skipped, ATCR_DEBUG says why (it ran, as root);
 * - a device-flow secret with a bad prefix, and with control characters: revoked, nothing saved;
 * - a 300 MiB account file (sparse): one line naming it and its size, within budget, memory bounded;
 * - `store` of an app password: exit 1 with the reason on stdout (it exited 0 having kept nothing).
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, test} from 'node:test'

import {hooksToTrust} from '../../src/lib/plugins/trusted-on-get.ts'
import type {AppViewEmulator} from '../support/appview-emulator.ts'
import {
  addFigure,
  assertOneLineError,
  BIN_RUN,
  type CliOptions,
  type CliResult,
  HAS_GNU_TIME,
  type Home,
  maxFigure,
  newHome,
  newPassword,
  newSecret,
  runCli,
  runProcess,
  setFigure,
  snapshot,
  startScannedEmulator,
  v2File,
  writeAccountFile,
} from './harness.ts'
import {alsoSecret, testNoSecretLeaked} from './secrets.ts'

const CATEGORY = 'get edges'
const BIN = 'docker-credential-atcr'
/** `get` may spend 1.5 s on the check; with start-up on a loaded 2-core machine, 4 s is a failure. */
const GET_LIMIT_MS = 4000
/** A `get` is a Node.js process reading a small file: far below this, whatever it is handed. */
const PEAK_MEMORY_LIMIT_KB = 200 * 1024
const NOBODY = {uid: 65534, gid: 65534}
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

const credentials = (host: string, handle: string, secret: string) =>
  `${JSON.stringify({ServerURL: host, Username: handle, Secret: secret})}\n`

/** Why the namespace cases cannot run here (one line), or undefined when `unshare -n -m` works. */
function namespaceSkip(): string | undefined {
  if (process.platform !== 'linux') return 'network and mount namespaces are Linux only'
  try {
    execFileSync(
      'unshare',
      ['-n', '-m', 'sh', '-c', 'ip link set lo up && mount --bind /etc/hosts /etc/hosts'],
      {
        stdio: 'ignore',
      },
    )
    return undefined
  } catch {
    return '`unshare -n -m` (with ip and mount --bind inside) does not work here: needs root or user namespaces'
  }
}
const NAMESPACE_SKIP = namespaceSkip()

/** Run the CLI under /usr/bin/time, for its peak memory (KB); undefined where GNU time is missing. */
async function runMeasured(
  args: string[],
  options: CliOptions,
): Promise<{result: CliResult; peakKb: number | undefined}> {
  if (!HAS_GNU_TIME) return {result: await runCli(args, options), peakKb: undefined}
  const dir = mkdtempSync(path.join(tmpdir(), 'atcr-peak-'))
  try {
    const file = path.join(dir, 'peak')
    // `timeout` ends a CLI that hangs before the harness kills /usr/bin/time, which would orphan it.
    const limitS = Math.max(1, Math.floor((options.timeoutMs ?? 20_000) / 1000) - 2)
    const result = await runProcess(
      '/usr/bin/time',
      [
        '-q',
        '-f',
        '%M',
        '-o',
        file,
        'timeout',
        '-s',
        'KILL',
        String(limitS),
        process.execPath,
        BIN_RUN,
        ...args,
      ],
      {...options, label: options.label ?? args.join(' ')},
    )
    // Killed by `timeout`: the same outcome the harness reports for a process it had to kill.
    if (result.code === 137 || result.code === 124) result.signal = 'SIGKILL'
    const peakKb = Number(readFileSync(file, 'utf8').trim().split(/\s+/).at(-1))
    return {result, peakKb}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

function bounded(what: string, result: CliResult, peakKb: number | undefined, limitMs = GET_LIMIT_MS): void {
  assert.equal(result.signal, null, `${what}: killed after ${Math.round(result.ms)} ms (no answer)`)
  maxFigure('get edges: slowest answer (ms)', Math.round(result.ms))
  assert.ok(result.ms <= limitMs, `${what}: took ${Math.round(result.ms)} ms (limit ${limitMs})`)
  if (peakKb !== undefined) {
    maxFigure('get edges: largest peak memory (MB)', Math.round(peakKb / 1024))
    assert.ok(peakKb <= PEAK_MEMORY_LIMIT_KB, `${what}: peak memory ${Math.round(peakKb / 1024)} MB`)
  }
}

/** The emulator, and a home whose only account (alice.test, active) is known to it. */
async function emulatorWithAlice(): Promise<{emulator: AppViewEmulator; home: Home; secret: string}> {
  const emulator = await startScannedEmulator()
  const home = newHome('atcr-edges-')
  const secret = emulator.addAccount({handle: 'alice.test', did: 'did:plc:alice'})
  writeAccountFile(home, v2File({[emulator.url]: {accounts: [{handle: 'alice.test', secret}]}}))
  return {emulator, home, secret}
}

// ---- lock files that are not files ---------------------------------------------------------------

function registerLockCases(): void {
  for (const lock of ['session-cache.json.lock', 'device.json.lock']) {
    for (const kind of ['FIFO', 'symlink to /dev/zero'] as const) {
      test(`${CATEGORY} › a ${kind} at ${lock}: get answers within its budget, memory bounded; store and erase complete`, async () => {
        const {emulator, home, secret} = await emulatorWithAlice()
        try {
          const target = path.join(home.dir, lock)
          const place = () =>
            kind === 'FIFO' ? execFileSync('mkfifo', [target]) : symlinkSync('/dev/zero', target)
          place()
          // The session check runs (and records its verdict under session-cache.json.lock).
          const {result, peakKb} = await runMeasured(['get'], {
            env: home.env,
            input: emulator.host,
            stdoutMayHoldSecret: true,
            label: `get (${kind} at ${lock})`,
            timeoutMs: 15_000,
          })
          bounded(`get with a ${kind} at ${lock}`, result, peakKb)
          // Compared, never printed: the expected answer holds the secret.
          assert.ok(
            result.code === 0 && result.stdout === credentials(emulator.host, 'alice.test', secret),
            `get with a ${kind} at ${lock}: exit ${result.code}, stdout ${result.stdout.length} bytes, not the credentials`,
          )
          if (lock !== 'device.json.lock') return
          const bob = newSecret('lk')
          const store = await runMeasured(['store'], {
            env: home.env,
            input: JSON.stringify({ServerURL: emulator.host, Username: 'bob.test', Secret: bob}),
            label: `store (${kind} at ${lock})`,
            timeoutMs: 15_000,
          })
          bounded(`store with a ${kind} at ${lock}`, store.result, store.peakKb)
          assert.deepEqual([store.result.code, store.result.stdout], [0, ''], `store: ${store.result.stderr}`)
          assert.ok(readFileSync(home.file, 'utf8').includes('"bob.test"'), 'store kept nothing')
          if (!existsSync(target)) place()
          const erase = await runMeasured(['erase'], {
            env: home.env,
            input: emulator.host,
            label: `erase (${kind} at ${lock})`,
            timeoutMs: 15_000,
          })
          bounded(`erase with a ${kind} at ${lock}`, erase.result, erase.peakKb)
          assert.deepEqual([erase.result.code, erase.result.stdout], [0, ''], `erase: ${erase.result.stderr}`)
          addFigure('get edges: odd lock files passed')
        } finally {
          await emulator.close()
        }
      })
    }
  }
}

// ---- names and the network, in a namespace of their own ------------------------------------------

/** A script run inside the namespace: listeners or a mute DNS server, then the CLI; a report file. */
const LOCALHOST_SCRIPT = `
import net from 'node:net'
import {spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
const [report, bin] = process.argv.slice(2)
const seen = {80: [], 443: []}
const servers = [80, 443].map((port) =>
  net.createServer((socket) => socket.on('data', (chunk) => seen[port].push(chunk))).listen(port, '192.0.2.1'))
await Promise.all(servers.map((server) => new Promise((resolve) => server.on('listening', resolve))))
const child = spawn(process.execPath, [bin, 'get'], {stdio: ['inherit', 'inherit', 'inherit']})
child.on('close', (code, signal) => {
  const port80 = Buffer.concat(seen[80])
  writeFileSync(report, JSON.stringify({
    code, signal,
    port80Bytes: port80.length,
    port80FirstLine: port80.toString('latin1').split('\\r\\n')[0],
    port80HasAuthorization: /authorization:/i.test(port80.toString('latin1')),
    port443Bytes: Buffer.concat(seen[443]).length,
  }))
  for (const server of servers) server.close()
  process.exit(0)
})
`

const DEAD_DNS_SCRIPT = `
import dgram from 'node:dgram'
import {spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
const [report, bin] = process.argv.slice(2)
const dns = dgram.createSocket('udp4')
let queries = 0
dns.on('message', () => queries++) // and never an answer
await new Promise((resolve) => dns.bind(53, '127.0.0.1', resolve))
const started = performance.now()
let answeredMs
const child = spawn(process.execPath, [bin, 'get'], {stdio: ['inherit', 'pipe', 'inherit']})
child.stdout.on('data', (chunk) => {
  answeredMs ??= performance.now() - started
  process.stdout.write(chunk)
})
child.on('close', (code, signal) => {
  writeFileSync(report, JSON.stringify({code, signal, answeredMs, exitedMs: performance.now() - started, queries}))
  dns.close()
  process.exit(0)
})
`

/**
 * Run a script in new network and mount namespaces: only loopback (up), 192.0.2.1 on it too, and
 * `mounts` bind-mounted over system files (/etc/hosts, /etc/resolv.conf). Resolves to the CLI's result
 * (as the script relays it) and the script's report.
 */
async function inNamespace(
  home: Home,
  script: string,
  mounts: Record<string, string>,
  options: Omit<CliOptions, 'env'> & {env?: NodeJS.ProcessEnv},
): Promise<{result: CliResult; report: Record<string, unknown>}> {
  const scriptFile = path.join(home.root, 'in-namespace.mjs')
  const reportFile = path.join(home.root, 'report.json')
  rmSync(reportFile, {force: true})
  writeFileSync(scriptFile, script)
  const binds = Object.entries(mounts).map(([target, source]) => {
    const file = path.join(home.root, `mount-${path.basename(target)}`)
    writeFileSync(file, source)
    return `mount --bind '${file}' '${target}'`
  })
  const setup = ['ip link set lo up', 'ip addr add 192.0.2.1/32 dev lo', ...binds, 'exec "$0" "$@"'].join(
    ' && ',
  )
  const result = await runProcess(
    'unshare',
    ['-n', '-m', 'sh', '-c', setup, process.execPath, scriptFile, reportFile, BIN_RUN],
    {...options, env: options.env ?? home.env},
  )
  assert.ok(existsSync(reportFile), `the namespace script reported nothing: ${result.stderr.slice(0, 600)}`)
  return {result, report: JSON.parse(readFileSync(reportFile, 'utf8')) as Record<string, unknown>}
}

/** A home the namespace's scripts can reach, whose only account (alice.test) is at `registryKey`. */
function namespaceHome(registryKey: string): {home: Home; secret: string} {
  const home = newHome('atcr-edges-ns-')
  chmodSync(home.root, 0o755)
  const secret = newSecret('ns')
  writeAccountFile(home, v2File({[registryKey]: {accounts: [{handle: 'alice.test', secret}]}}))
  return {home, secret}
}

function registerNameCases(): void {
  test(
    `${CATEGORY} › registry.localhost resolving to 192.0.2.1 (own /etc/hosts, own network): no plain-http attempt`,
    {skip: NAMESPACE_SKIP},
    async () => {
      // As `store` of registry.localhost keyed it before (plain http, as loopback was then).
      const {home, secret} = namespaceHome('http://registry.localhost')
      const {result, report} = await inNamespace(
        home,
        LOCALHOST_SCRIPT,
        {'/etc/hosts': '127.0.0.1 localhost\n192.0.2.1 registry.localhost\n'},
        {
          env: {...home.env, ATCR_DEBUG: '1'},
          input: 'registry.localhost',
          stdoutMayHoldSecret: true,
          label: 'get registry.localhost (namespace)',
          timeoutMs: 20_000,
        },
      )
      setFigure('get edges: registry.localhost, bytes to port 80 (plain http)', Number(report.port80Bytes))
      assert.equal(
        report.port80Bytes,
        0,
        `plain http to 192.0.2.1:80: ${JSON.stringify(report.port80FirstLine)}${report.port80HasAuthorization ? ' with an Authorization header (the device secret, in clear)' : ''}`,
      )
      assert.deepEqual([report.code, report.signal], [0, null], `get: ${result.stderr.slice(0, 600)}`)
      // The check could not verify 192.0.2.1 as registry.localhost: get answers with the stored secret.
      assert.ok(
        result.stdout === credentials('registry.localhost', 'alice.test', secret),
        'get did not answer the credentials',
      )
      assert.ok(result.ms <= GET_LIMIT_MS + 1000, `took ${Math.round(result.ms)} ms`)
    },
  )

  test(
    `${CATEGORY} › a DNS server on 127.0.0.1 that never answers, as the resolver: get exits within 2 s of its start`,
    {skip: NAMESPACE_SKIP},
    async () => {
      const {home, secret} = namespaceHome('https://registry.example')
      const mounts = {'/etc/resolv.conf': 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n'}
      // The same get with the check turned off: what everything but the check costs on this machine now.
      const baseline = await inNamespace(home, DEAD_DNS_SCRIPT, mounts, {
        env: {...home.env, ATCR_SESSION_CHECK: '0'},
        input: 'registry.example',
        stdoutMayHoldSecret: true,
        label: 'get registry.example, no check (namespace, dead DNS)',
        timeoutMs: 20_000,
      })
      const {result, report} = await inNamespace(home, DEAD_DNS_SCRIPT, mounts, {
        env: {...home.env, ATCR_DEBUG: '1'},
        input: 'registry.example',
        stdoutMayHoldSecret: true,
        label: 'get registry.example (namespace, dead DNS)',
        timeoutMs: 20_000,
      })
      const exitedMs = Math.round(Number(report.exitedMs))
      const answeredMs = Math.round(Number(report.answeredMs))
      const startMs = Math.round(Number(baseline.report.exitedMs))
      setFigure('get edges: dead DNS, answer written at (ms)', answeredMs)
      setFigure('get edges: dead DNS, process exited at (ms)', exitedMs)
      setFigure('get edges: dead DNS, the same get without the check (ms)', startMs)
      assert.deepEqual([report.code, report.signal], [0, null], `get: ${result.stderr.slice(0, 600)}`)
      assert.ok(
        result.stdout === credentials('registry.example', 'alice.test', secret),
        'get did not answer the credentials',
      )
      assert.ok(Number(report.queries) > 0, 'the resolver was never asked: the case proves nothing')
      assert.match(result.stderr, /registry\.example did not resolve within \d+ ms/)
      assert.ok(exitedMs - answeredMs <= 300, `get answered at ${answeredMs} ms but exited at ${exitedMs} ms`)
      // 2 s on an idle machine (1.5 s of budget, then start-up); under load, start-up itself grows.
      const limitMs = Math.max(2000, 1500 + startMs + 300)
      assert.ok(
        exitedMs <= limitMs,
        `get exited at ${exitedMs} ms (limit ${limitMs}; the same get without the check ${startMs} ms)`,
      )
    },
  )
}

// ---- a trusted plugin whose imported module is tampered with -------------------------------------

function trustedPluginSetup(): {home: Home; marker: string; pick: string; bobAnswer: string; host: string} {
  const home = newHome('atcr-edges-plugin-')
  chmodSync(home.root, 0o755)
  const host = 'localhost:5999'
  const bob = newSecret('pb')
  writeAccountFile(
    home,
    v2File({
      'http://localhost:5999': {
        accounts: [
          {handle: 'alice.test', secret: newSecret('pa')},
          {handle: 'bob.test', secret: bob},
        ],
        active: null,
      },
    }),
  )
  const marker = path.join(home.root, 'plugin-ran')
  const root = path.join(home.root, 'plugin')
  mkdirSync(path.join(root, 'hooks'), {recursive: true, mode: 0o755})
  mkdirSync(path.join(root, 'lib'), {mode: 0o755})
  writeFileSync(path.join(root, 'package.json'), '{"name": "atcr-plugin-edges", "version": "1.0.0"}\n')
  const pick = path.join(root, 'lib', 'pick.mjs')
  writeFileSync(pick, 'export const pick = () => undefined\n')
  const hook = path.join(root, 'hooks', 'identity.mjs')
  writeFileSync(hook, "import {pick} from '../lib/pick.mjs'\nexport default () => pick()\n")
  const settings = {
    version: 1,
    plugins: {
      'atcr-plugin-edges': {
        version: '1.0.0',
        root,
        hooks: hooksToTrust(root, [{file: hook, export: 'default'}]),
      },
    },
  }
  writeFileSync(path.join(home.dir, 'plugins-on-get.json'), `${JSON.stringify(settings)}\n`, {mode: 0o600})
  return {home, marker, pick, host, bobAnswer: credentials(host, 'bob.test', bob)}
}

const evilModule = (marker: string) =>
  `import {writeFileSync} from 'node:fs'\nwriteFileSync(${JSON.stringify(marker)}, 'ran')\nexport const pick = () => 'bob.test'\n`

async function pluginGet(home: Home, label: string): Promise<CliResult> {
  const result = await runCli(['get'], {
    env: {...home.env, ATCR_DEBUG: '1', ATCR_SESSION_CHECK: '0'},
    input: 'localhost:5999',
    stdoutMayHoldSecret: true,
    label,
    timeoutMs: 15_000,
  })
  maxFigure('get edges: slowest answer (ms)', Math.round(result.ms))
  return result
}

function registerPluginCases(): void {
  test(`${CATEGORY} › control: the trusted hook and the module it imports, unchanged, do run`, async () => {
    const setup = trustedPluginSetup()
    writeFileSync(setup.pick, evilModule(setup.marker))
    // Trusted again as it is now: this module is then the trusted code.
    const root = path.dirname(path.dirname(setup.pick))
    const file = path.join(setup.home.dir, 'plugins-on-get.json')
    const settings = JSON.parse(readFileSync(file, 'utf8')) as {plugins: Record<string, {hooks: unknown}>}
    settings.plugins['atcr-plugin-edges']!.hooks = hooksToTrust(root, [
      {file: path.join(root, 'hooks', 'identity.mjs'), export: 'default'},
    ])
    writeFileSync(file, JSON.stringify(settings), {mode: 0o600})
    const result = await pluginGet(setup.home, 'get (trusted plugin, control)')
    assert.ok(
      result.stdout === setup.bobAnswer,
      `the control plugin did not name bob: ${result.stderr.slice(0, 400)}`,
    )
    assert.ok(
      existsSync(setup.marker),
      'the control plugin did not run: the attack cases would prove nothing',
    )
  })

  const notRun = (setup: ReturnType<typeof trustedPluginSetup>, result: CliResult, why: RegExp) => {
    assert.ok(!existsSync(setup.marker), 'the tampered module ran inside get')
    assert.deepEqual(result.stdout, `Multiple accounts for localhost:5999. Run: ${BIN} switch\n`)
    assert.match(result.stderr, why)
    addFigure('get edges: tampered plugin modules that executed nothing')
  }

  test(`${CATEGORY} › a world-writable module the trusted hook imports, rewritten by another user: skipped, ATCR_DEBUG says why`, async () => {
    const setup = trustedPluginSetup()
    chmodSync(setup.pick, 0o666)
    const staged = path.join(setup.home.root, 'staged.mjs')
    writeFileSync(staged, evilModule(setup.marker), {mode: 0o644})
    const copy = await runProcess('/bin/cp', [staged, setup.pick], {
      env: {PATH: process.env.PATH},
      asUser: NOBODY,
      label: 'cp as nobody',
    })
    assert.equal(copy.code, 0, `cp as uid 65534: ${copy.stderr}`)
    const result = await pluginGet(setup.home, 'get (imported module rewritten by another user)')
    notRun(setup, result, /plugin atcr-plugin-edges: .*pick\.mjs is writable by the group and others/)
  })

  test(`${CATEGORY} › a module the trusted hook imports, edited in place: skipped, ATCR_DEBUG says why`, async () => {
    const setup = trustedPluginSetup()
    writeFileSync(setup.pick, evilModule(setup.marker))
    const result = await pluginGet(setup.home, 'get (imported module edited)')
    notRun(setup, result, /plugin atcr-plugin-edges: .*lib\/pick\.mjs changed since it was trusted/)
  })
}

// ---- what the device flow hands back -------------------------------------------------------------

function registerDeviceFlowCases(): void {
  for (const [what, make] of [
    ['a bad prefix', (random: string) => `atcr_token_${random}`],
    ['control characters', (random: string) => `atcr_device_${random}\u001b]52;c;ZXZpbA==\u0007\u001b[2J`],
  ] as const) {
    test(`${CATEGORY} › login when the AppView's device_secret has ${what}: revoked, nothing saved, never shown`, async () => {
      const emulator = await startScannedEmulator({interval: 0.2})
      try {
        const home = newHome('atcr-edges-login-')
        mkdirSync(home.dir, {recursive: true, mode: 0o700})
        const before = snapshot(home.dir)
        const random = newSecret('df').replace(/^atcr_device_/, '')
        const bad = make(random)
        alsoSecret(random)
        emulator.setHostile({approved: {device_secret: bad}})
        emulator.approveNext({handle: 'alice.test', did: 'did:plc:alice'})
        const result = await runCli(['login', emulator.host, '--no-browser'], {
          env: home.env,
          label: `login (device_secret with ${what})`,
          timeoutMs: 40_000,
        })
        assert.equal(result.code, 1, `login exit (stderr ${JSON.stringify(result.stderr.slice(0, 400))})`)
        assert.match(result.stderr, /device secret it returned .*Nothing was saved\./)
        assert.deepEqual(snapshot(home.dir), before, 'config directory unchanged')
        assert.ok(
          emulator.requests.some((request) => request.method === 'DELETE'),
          'the secret it returned was not revoked',
        )
        for (const [stream, text] of [
          ['stdout', result.stdout],
          ['stderr', result.stderr],
        ] as const)
          assert.ok(
            // eslint-disable-next-line no-control-regex -- colour codes (SGR) are the helper's own
            !CONTROL.test(text.replaceAll(/\u001b\[[0-9;]*m/g, '')),
            `${stream} holds a control character`,
          )
        addFigure('get edges: bad device secrets from the AppView, none saved')
      } finally {
        await emulator.close()
      }
    })
  }
}

// ---- a huge account file; store of a password ----------------------------------------------------

function registerFileCases(): void {
  test(`${CATEGORY} › a 300 MiB account file (sparse): one line naming it and its size, within budget, memory bounded`, async () => {
    const home = newHome('atcr-edges-big-')
    const secret = newSecret('bg')
    writeAccountFile(home, v2File({'https://atcr.io': {accounts: [{handle: 'alice.test', secret}]}}))
    truncateSync(home.file, 300 * 1024 * 1024)
    const {result, peakKb} = await runMeasured(['get'], {
      env: home.env,
      input: 'atcr.io',
      label: 'get (300 MiB account file)',
    })
    bounded('get with a 300 MiB account file', result, peakKb)
    const line = assertOneLineError(result, 'get with a 300 MiB account file')
    assert.equal(
      line,
      `${BIN}: cannot use the account file ${home.file}: it is 300 MiB (314572800 bytes), more than an account file may be (16 MiB). Nothing was changed; fix or move the file aside, then run: ${BIN} login`,
    )
    setFigure('get edges: 300 MiB account file, get (ms)', Math.round(result.ms))
    if (peakKb !== undefined)
      setFigure('get edges: 300 MiB account file, peak memory (MB)', Math.round(peakKb / 1024))
  })

  test(`${CATEGORY} › store of an app password: exit 1, the reason on stdout (docker login shows it), nothing saved`, async () => {
    const home = newHome('atcr-edges-store-')
    mkdirSync(home.dir, {recursive: true, mode: 0o700})
    const before = snapshot(home.dir)
    const password = newPassword()
    const result = await runCli(['store'], {
      env: home.env,
      input: JSON.stringify({ServerURL: 'atcr.io', Username: 'alice.bsky.social', Secret: password}),
      label: 'store (app password)',
    })
    const line = assertOneLineError(result, 'store of an app password')
    assert.equal(
      line,
      `${BIN}: not saving this password for atcr.io: ATCR signs in with device secrets, not app passwords or tokens. Run "${BIN} login atcr.io" instead.`,
    )
    assert.deepEqual(snapshot(home.dir), before, 'config directory unchanged')
  })
}

describe('get edges', {concurrency: 2}, () => {
  registerLockCases()
  registerFileCases()
  registerPluginCases()
  registerDeviceFlowCases()
})
// The namespace cases time `get`: alone.
registerNameCases()
testNoSecretLeaked()
