/**
 * Issue 11: the browser opener runs nothing an AppView chooses. Only https/http URLs without user info
 * are opened; `$BROWSER` is honoured as a program with the URL as one argument (no shell); elsewhere
 * the maintained `open` package does the work — never `cmd /c start`.
 */
import assert from 'node:assert/strict'
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {browserCommands, browserOpener} from '../../src/lib/device-flow/browser.ts'

describe('browser opener', () => {
  it('refuses every link that is not plain https/http, with one line, opening nothing', async () => {
    const opened: string[] = []
    const warnings: string[] = []
    const opener = browserOpener({DISPLAY: ':0'}, 'linux', {
      warn: (line) => warnings.push(line),
      openUrl: async (url) => void opened.push(url),
      run: async (command) => void opened.push(command),
    })!
    for (const bad of [
      'file:///etc/passwd',
      'smb://evil/x',
      'x-scheme://run',
      'https://u:p@evil/',
      'https://a/\nb',
    ])
      opener(bad)
    await sleep(20)
    assert.deepEqual(opened, [])
    assert.equal(warnings.length, 5)
    for (const line of warnings) {
      assert.match(
        line,
        /^Not opening a browser: refused the AppView's link .*Open the registry's web page yourself\.$/,
      )
      assert.doesNotMatch(line, /\n/)
    }
  })

  it('on Windows hands the URL to the open package, never to cmd', async () => {
    const opened: string[] = []
    const ran: string[] = []
    const opener = browserOpener({}, 'win32', {
      openUrl: async (url) => void opened.push(url),
      run: async (command) => void ran.push(command),
    })!
    opener('https://atcr.io/device?code=A|B&x=%PATH%')
    await sleep(20)
    assert.deepEqual(opened, ['https://atcr.io/device?code=A|B&x=%PATH%'])
    assert.deepEqual(ran, [])
  })

  it('honours $BROWSER as programs without a shell, %s or appended', () => {
    assert.deepEqual(browserCommands('firefox --new-tab %s:lynx', 'linux', 'https://x/?a=$(id)'), [
      {command: 'firefox', args: ['--new-tab', 'https://x/?a=$(id)']},
      {command: 'lynx', args: ['https://x/?a=$(id)']},
    ])
  })

  it('runs a real $BROWSER program with the URL as exactly one argument', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'atcr-browser-'))
    const record = path.join(directory, 'argv')
    const script = path.join(directory, 'browser.sh')
    const marker = path.join(directory, 'pwned')
    writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$#" "$@" > '${record}'\n`)
    chmodSync(script, 0o755)
    const url = `https://atcr.io/device?c=1;touch${'$'}{IFS}${marker}|x&$(touch${'$'}{IFS}${marker})&%PATH%`
    browserOpener({BROWSER: script}, 'linux')!(url)
    for (let i = 0; i < 100; i++) {
      await sleep(20)
      try {
        if (readFileSync(record, 'utf8').includes('\n')) break
      } catch {
        // Not yet written.
      }
    }
    const lines = readFileSync(record, 'utf8').trimEnd().split('\n')
    assert.equal(lines[0], '1')
    assert.equal(lines[1], new URL(url).href)
    assert.throws(() => readFileSync(marker))
    rmSync(directory, {recursive: true, force: true})
  })

  it('opens nothing in CI or on a Linux without a display', () => {
    assert.equal(browserOpener({CI: '1', DISPLAY: ':0'}, 'linux'), undefined)
    assert.equal(browserOpener({}, 'linux'), undefined)
  })
})
