/**
 * What `npm pack` ships (issue 10): a LICENSE matching package.json, where to find the source and file
 * bugs, and every document the README links to (a relative link to a file left out of the tarball is
 * a dead link on npmjs.com and in node_modules).
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {REPO} from '../support/cli.ts'

const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>

/** The files `npm pack` would put in the tarball (no build: --ignore-scripts). */
function packedFiles(): string[] {
  const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 60_000,
  })
  assert.equal(result.status, 0, result.stderr)
  const [report] = JSON.parse(result.stdout) as [{files: {path: string}[]}]
  return report.files.map((file) => file.path)
}

describe('the npm package', () => {
  it('has an MIT LICENSE, as package.json says', () => {
    assert.equal(pkg.license, 'MIT')
    const license = readFileSync(path.join(REPO, 'LICENSE'), 'utf8')
    assert.match(license, /^MIT License\n/)
    assert.match(license, /Permission is hereby granted, free of charge/)
  })

  it('names its repository, issue tracker and home page', () => {
    const repository = pkg.repository as {type?: string; url?: string} | undefined
    assert.equal(repository?.type, 'git')
    assert.match(repository?.url ?? '', /^git\+https:\/\/github\.com\/[^/]+\/docker-credential-atcr\.git$/)
    assert.match((pkg.bugs as {url?: string} | undefined)?.url ?? '', /^https:\/\/github\.com\/.+\/issues$/)
    assert.match(String(pkg.homepage), /^https:\/\//)
  })

  it('ships LICENSE, the README and every file the README links to', () => {
    const files = packedFiles()
    assert.ok(files.includes('LICENSE'), files.join(', '))
    assert.ok(files.includes('README.md'), files.join(', '))
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8')
    const links = [...readme.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)]
      .map((match) => match[1]!)
      .filter((link) => !/^[a-z]+:/i.test(link))
    assert.ok(links.length > 0, 'the README links to documents')
    for (const link of new Set(links)) {
      assert.ok(existsSync(path.join(REPO, link)), `the README links to a missing file: ${link}`)
      assert.ok(
        files.includes(path.posix.normalize(link)),
        `${link} is linked from the README but not packed`,
      )
    }
  })
})
