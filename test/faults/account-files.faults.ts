/**
 * Account files that cannot be used: corrupt, truncated, empty, wrong version, binary, not a file,
 * unreadable. On every protocol verb: one clear line naming the file, exit 1, and the file (and the
 * directory around it) left exactly as it was: never overwritten, no backup spawned, nothing lost.
 */
import assert from 'node:assert/strict'
import {chmodSync, chownSync, mkdirSync, rmSync, symlinkSync} from 'node:fs'
import {execFileSync} from 'node:child_process'
import {describe, test} from 'node:test'

import {
  assertOneLineError,
  type Home,
  maxFigure,
  newHome,
  newSecret,
  runCli,
  setFigure,
  snapshot,
  v2File,
  writeAccountFile,
} from './harness.ts'
import {testNoSecretLeaked} from './secrets.ts'

const NOBODY = {uid: 65_534, gid: 65_534}
const VERBS = ['get', 'store', 'erase', 'list'] as const

function storeRequest(): string {
  return `${JSON.stringify({ServerURL: 'atcr.io', Username: 'new.test', Secret: newSecret('af')})}\n`
}

function inputFor(verb: (typeof VERBS)[number]): string {
  return verb === 'store' ? storeRequest() : verb === 'list' ? 'unused' : 'atcr.io'
}

/** Seeds the fault into a fresh home; returns what the error line must mention besides the file. */
type Fault = (home: Home) => void

function validFile(): string {
  return v2File({
    'https://atcr.io': {
      accounts: [
        {handle: 'alice.test', secret: newSecret('af'), did: 'did:plc:alice'},
        {handle: 'bob.test', secret: newSecret('af')},
      ],
    },
  })
}

const FAULTS: {name: string; fault: Fault; mentions?: RegExp}[] = [
  {
    name: 'corrupt JSON',
    fault: (home) => writeAccountFile(home, validFile().replace('"registries": {', '"registries": {{')),
  },
  {name: 'truncated to half', fault: (home) => writeAccountFile(home, validFile().slice(0, 150))},
  {
    name: 'truncated inside a secret',
    fault: (home) => {
      const text = validFile()
      writeAccountFile(home, text.slice(0, text.indexOf('atcr_device_') + 20))
    },
  },
  {
    name: 'a secret left unquoted',
    fault: (home) => {
      const text = validFile()
      const at = text.indexOf('"atcr_device_')
      writeAccountFile(home, text.slice(0, at) + text.slice(at + 1))
    },
  },
  {name: 'empty (0 bytes)', fault: (home) => writeAccountFile(home, ''), mentions: /empty/},
  {name: 'whitespace only', fault: (home) => writeAccountFile(home, '  \n\n')},
  {name: 'NUL bytes', fault: (home) => writeAccountFile(home, Buffer.alloc(512))},
  {
    name: 'binary',
    fault: (home) =>
      writeAccountFile(home, Buffer.from(Array.from({length: 1024}, (_, i) => (i * 37 + 11) % 256))),
  },
  {
    name: 'invalid UTF-8',
    fault: (home) =>
      writeAccountFile(
        home,
        Buffer.concat([
          Buffer.from(validFile().slice(0, 40)),
          Buffer.from([0xff, 0xc0]),
          Buffer.from(validFile().slice(40)),
        ]),
      ),
    mentions: /UTF-8/,
  },
  {
    name: 'version 3',
    fault: (home) => writeAccountFile(home, validFile().replace('"version": 2', '"version": 3')),
    mentions: /version/,
  },
  {
    name: 'version "2" as a string',
    fault: (home) => writeAccountFile(home, validFile().replace('"version": 2', '"version": "2"')),
    mentions: /version/,
  },
  {
    name: 'version null',
    fault: (home) => writeAccountFile(home, validFile().replace('"version": 2', '"version": null')),
    mentions: /version/,
  },
  {name: 'JSON array', fault: (home) => writeAccountFile(home, '[]\n')},
  {name: 'JSON null', fault: (home) => writeAccountFile(home, 'null\n')},
  {name: 'a JSON string', fault: (home) => writeAccountFile(home, '"atcr"\n')},
  {
    name: 'registries is an array',
    fault: (home) => writeAccountFile(home, '{"version":2,"registries":[]}\n'),
  },
  {
    name: 'an account without device_secret',
    fault: (home) =>
      writeAccountFile(
        home,
        '{"version":2,"registries":{"https://atcr.io":{"active":"a.test","accounts":{"a.test":{"handle":"a.test","did":""}}}}}\n',
      ),
  },
  {
    name: 'an account that is a string',
    fault: (home) =>
      writeAccountFile(
        home,
        '{"version":2,"registries":{"https://atcr.io":{"accounts":{"a.test":"atcr_device_x"}}}}\n',
      ),
  },
  {name: 'unknown shape (no version)', fault: (home) => writeAccountFile(home, '{"hello":"world"}\n')},
  {
    name: 'legacy file without device_secret',
    fault: (home) => writeAccountFile(home, '{"handle":"a.test","appview_url":"https://atcr.io"}\n'),
  },
  {
    name: 'multi-registry file with a bad URL',
    fault: (home) =>
      writeAccountFile(
        home,
        `{"credentials":{"http://[bad":{"handle":"a.test","device_secret":"${newSecret('af')}"}}}\n`,
      ),
  },
  {
    name: 'a directory instead of the file',
    fault: (home) => mkdirSync(home.file, {recursive: true}),
    mentions: /directory/,
  },
  {
    name: 'a FIFO instead of the file',
    fault: (home) => {
      mkdirSync(home.dir, {recursive: true, mode: 0o700})
      execFileSync('mkfifo', [home.file])
    },
    mentions: /regular file/,
  },
  {
    name: 'a symlink to /dev/zero',
    fault: (home) => {
      mkdirSync(home.dir, {recursive: true, mode: 0o700})
      symlinkSync('/dev/zero', home.file)
    },
    mentions: /regular file/,
  },
]

function registerAccountFileCases(): void {
  for (const {name, fault, mentions} of FAULTS) {
    for (const verb of VERBS) {
      test(`account file: ${verb} › ${name}`, async () => {
        const home = newHome()
        fault(home)
        const before = snapshot(home.dir)
        const result = await runCli([verb], {
          env: home.env,
          input: inputFor(verb),
          label: `${verb} with ${name}`,
          timeoutMs: 10_000,
        })
        maxFigure('account file faults: slowest answer (ms)', Math.round(result.ms))
        const line = assertOneLineError(result, `${verb} with ${name}`)
        assert.ok(line.includes(home.file), `${verb} with ${name}: the error does not name the file: ${line}`)
        if (mentions)
          assert.ok(mentions.test(line), `${verb} with ${name}: the error does not say ${mentions}: ${line}`)
        assert.ok(snapshot(home.dir) === before, `${verb} with ${name}: the account directory changed`)
      })
    }
  }

  // Unreadable: the suite runs as root, which reads anything, so the helper runs as `nobody` here.
  let canSwitchUser = true
  try {
    execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', 'true'])
  } catch {
    canSwitchUser = false
  }
  setFigure(
    'unreadable-file cases run as nobody (setpriv)',
    canSwitchUser ? 'yes' : 'no: setpriv unavailable',
  )
  if (!canSwitchUser) return
  for (const verb of VERBS) {
    test(`account file: ${verb} › unreadable (mode 000, helper runs as nobody)`, async () => {
      const home = newHome()
      writeAccountFile(home, validFile(), 0o000)
      // nobody may enter the directories but not read the file.
      chmodSync(home.root, 0o755)
      chmodSync(home.dir, 0o755)
      const before = snapshot(home.dir)
      const env = {...home.env, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: '1'}
      const result = await runCli([verb], {
        env,
        input: inputFor(verb),
        asUser: NOBODY,
        label: `${verb} unreadable`,
      })
      const line = assertOneLineError(result, `${verb} unreadable`)
      assert.ok(line.includes(home.file), `${verb} unreadable: the error does not name the file: ${line}`)
      assert.ok(
        /permission denied/.test(line),
        `${verb} unreadable: the error does not say "permission denied": ${line}`,
      )
      // The fix for this cause, never the advice for a corrupt file (moving it aside loses every account).
      assert.ok(
        line.includes(`chmod 600 '${home.file}'`),
        `${verb} unreadable: the error does not name the chmod that fixes it: ${line}`,
      )
      assert.ok(!/aside/.test(line), `${verb} unreadable: advises moving the file aside: ${line}`)
      assert.ok(snapshot(home.dir) === before, `${verb} unreadable: the account directory changed`)
    })
  }
  for (const verb of ['store', 'erase'] as const) {
    test(`account file: ${verb} › readable but the directory is not writable (helper runs as nobody)`, async () => {
      const home = newHome()
      writeAccountFile(home, validFile())
      chownSync(home.file, NOBODY.uid, NOBODY.gid)
      chmodSync(home.root, 0o755)
      chmodSync(home.dir, 0o755) // owned by root: nobody cannot create the lock or the temporary file
      const before = snapshot(home.dir)
      const env = {...home.env, NODE_DISABLE_COMPILE_CACHE: '1'}
      const result = await runCli([verb], {
        env,
        input: inputFor(verb),
        asUser: NOBODY,
        label: `${verb} read-only dir`,
      })
      const line = assertOneLineError(result, `${verb} directory not writable`)
      assert.ok(
        line.includes(home.dir),
        `${verb} directory not writable: the error does not name the file: ${line}`,
      )
      assert.ok(
        /permission denied/.test(line),
        `${verb} directory not writable: no "permission denied": ${line}`,
      )
      assert.ok(
        line.includes(`chmod 700 '${home.dir}'`),
        `${verb} directory not writable: the error does not name the chmod that fixes it: ${line}`,
      )
      assert.ok(!/aside/.test(line), `${verb} directory not writable: advises moving the file aside: ${line}`)
      assert.ok(
        snapshot(home.dir) === before,
        `${verb} directory not writable: the account directory changed`,
      )
      rmSync(home.file)
    })
  }
}

describe('account files', {concurrency: 2}, registerAccountFileCases)
testNoSecretLeaked()
