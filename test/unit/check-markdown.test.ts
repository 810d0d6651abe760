/**
 * scripts/check-markdown.ts, the lint check that every Markdown table renders as written (issue 18).
 * The first case is the command table of the README as it was when the issue was filed (padding
 * collapsed): its `logout` row opened a code span it never closed and its `update` row had a third cell.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {checkMarkdown, MAX_LINE_LENGTH, splitRow} from '../../scripts/check-markdown.ts'

const ISSUE_18_README_TABLE: string[] = [
  '| command | what it does |',
  '| --- | --- |',
  '| `login [REGISTRY]` | device authorization (default `atcr.io`): prints a code and URL, opens the browser where there is a display (`--no-browser` not), spinner while waiting; saves the account and makes it active. `--with-token --account HANDLE` reads a device secret on stdin (CI); `--yes` replaces an existing login without asking; checks the account file can be saved before it shows a code |',
  "| `logout [REGISTRY] [-a HANDLE\\| first makes sure the account file can be saved (a read-only directory or a busy lock stops it before anything is revoked), then revokes the device at the account's own AppView and removes it, and scrubs its secret from `device.json.bak`; without REGISTRY picks the registry as `switch` does; asks first (default No). If it was active, another account becomes active and you are told which | revokes the device on the AppView (best effort) and removes it; if it was active, another account becomes active and you are told which |",
  '| `status [REGISTRY] [--json] [--offline]` | every registry and account, the active one marked, each secret checked live in parallel (valid / not accepted / session expired with its login URL / unreachable), on stdout; exit 1 when there is no account (for REGISTRY, if given) or one needs a new login |',
  '| `switch [REGISTRY] [-a HANDLE\\|DID]` | with two accounts toggles, with more offers a list; without a terminal needs `--account` |',
  '| `configure-docker [REGISTRY…] [--dry-run] [--force]` | adds `credHelpers` entries for `atcr.io` and every configured registry, keeping the rest of the file, its indentation and mode; an entry naming another helper is replaced only after you agree (or with `--force`); warns about `credsStore`/`auths` that would shadow the helper and checks that Docker will find the helper and a Node.js with proxy support (22.21+ or 24.5+) |',
  '| `update [stable\\|beta] [--available] [--force]` | self-update of a release install: only a release whose manifest signature verifies and whose tarball matches its SHA-256; older versions need `--force`. An `npm i -g` install is told the exact `npm` command (with its `--prefix`); `--available` lists releases (npm: from the registry) | self-update of a tarball install; an `npm i -g` install is told the exact `npm` command |',
  '| `version`, `--version` | version, Node version, platform |',
  '| `plugins …` | oclif plugins, with a warning and a confirmation before third-party code gets near your secrets: [docs/plugins.md](docs/plugins.md) |',
]

describe('checkMarkdown', () => {
  it('fails on the broken command table of the README of issue 18: the logout and update rows', () => {
    const problems = checkMarkdown(['# x', '', ...ISSUE_18_README_TABLE, ''].join('\n'))
    assert.deepEqual(
      problems.map((problem) => problem.line),
      [6, 10],
      JSON.stringify(problems),
    )
    assert.match(problems[0]!.message, /opens a code span it never closes: `logout/)
    assert.match(problems[1]!.message, /3 cells where the header has 2/)
  })

  it('passes the same table once the two rows are mended', () => {
    const mended = ISSUE_18_README_TABLE.map((row) =>
      row.startsWith('| `logout')
        ? '| `logout [REGISTRY] [-a HANDLE\\|DID]` | revokes the device and removes it |'
        : row.startsWith('| `update')
          ? '| `update [stable\\|beta]` | self-update of a release install |'
          : row,
    )
    assert.deepEqual(checkMarkdown(mended.join('\n')), [])
  })

  it('finds a | inside backticks that GitHub would split the cell at', () => {
    const problems = checkMarkdown(
      ['| flag | meaning |', '|---|---|', '| `-a HANDLE|DID` | the account |'].join('\n'),
    )
    assert.equal(problems.length, 1, JSON.stringify(problems))
    assert.equal(problems[0]!.line, 3)
    assert.match(problems[0]!.message, /unescaped \| inside a code span/)
  })

  it('finds a row with too few cells, and a delimiter row that does not match the header', () => {
    const problems = checkMarkdown(['a | b | c', '--- | ---', 'x | y | z', '| only |'].join('\n'))
    assert.deepEqual(
      problems.map((problem) => problem.line),
      [2, 4],
      JSON.stringify(problems),
    )
    assert.match(problems[1]!.message, /1 cells where the header has 3/)
  })

  it('leaves tables inside fenced code alone', () => {
    const text = [
      '```',
      '| a | b |',
      '|---|---|',
      '| `x | y | z |',
      '```',
      '',
      '~~~~md',
      '| a |',
      '|---|',
      '| b | c |',
      '~~~~',
    ].join('\n')
    assert.deepEqual(checkMarkdown(text), [])
  })

  it('flags long prose lines, not long table rows, code or one unbreakable link', () => {
    const long = 'word '.repeat(30).trim()
    const text = [
      long,
      '| a | b |',
      '|---|---|',
      `| ${long} | x |`,
      '',
      '```sh',
      long,
      '```',
      `https://example.com/${'x'.repeat(200)}`,
    ].join('\n')
    const problems = checkMarkdown(text)
    assert.deepEqual(
      problems.map((problem) => problem.line),
      [1],
    )
    assert.match(problems[0]!.message, new RegExp(`${long.length} characters \\(at most ${MAX_LINE_LENGTH}`))
  })
})

describe('splitRow', () => {
  it('splits on unescaped pipes only, with or without the outer ones', () => {
    assert.deepEqual(splitRow('| `a\\|b` | c |'), [' `a\\|b` ', ' c '])
    assert.deepEqual(splitRow('a | b'), ['a ', ' b'])
    assert.deepEqual(splitRow('| a | b \\|'), [' a ', ' b \\|'])
  })
})
