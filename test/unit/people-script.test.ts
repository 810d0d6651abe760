/**
 * The people script's code cache (src/lib/cli/people-script.ts) is kept under the script's content id:
 * V8 accepts cached code for any source of the same length, so a cache found by a plain name could run
 * an earlier build's code.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'

import {PEOPLE_SCRIPT_ID, peopleScriptId} from '../../src/lib/cli/people-script-wrapper.ts'
import {CLI, REPO} from '../support/cli.ts'

describe('the people script content id', () => {
  it('is read from the last line, and only as a SHA-256', () => {
    const id = 'a'.repeat(64)
    assert.equal(peopleScriptId(`code()\n${PEOPLE_SCRIPT_ID}${id}\n`), id)
    assert.equal(peopleScriptId('code()\n'), undefined)
    assert.equal(peopleScriptId(`code()\n${PEOPLE_SCRIPT_ID}../../etc\n`), undefined)
  })

  it('is the SHA-256 of the built script (npm run build)', () => {
    const source = readFileSync(path.join(REPO, 'dist', 'people.cjs'), 'utf8')
    const at = source.lastIndexOf(`\n${PEOPLE_SCRIPT_ID}`)
    const body = source.slice(0, at)
    assert.equal(peopleScriptId(source), createHash('sha256').update(body).digest('hex'))
  })

  it('names the one cache a people command writes in the compile-cache directory', () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'atcr-people-cache-'))
    try {
      const env = {PATH: process.env.PATH, HOME: cache, XDG_CACHE_HOME: cache, ATCR_NO_UPDATE_NOTIFIER: '1'}
      for (let run = 0; run < 2; run++) {
        const result = spawnSync(process.execPath, [CLI, 'version'], {env, encoding: 'utf8'})
        assert.equal(result.status, 0, result.stderr)
      }
      const source = readFileSync(path.join(REPO, 'dist', 'people.cjs'), 'utf8')
      const caches = readdirSync(path.join(cache, 'atcr', 'compile-cache'), {
        recursive: true,
        encoding: 'utf8',
      })
        .filter((name) => name.endsWith('.v8'))
        .map((name) => path.basename(name))
      assert.equal(caches.length, 1, caches.join(', '))
      assert.ok(caches[0]!.startsWith(`people-${peopleScriptId(source)!.slice(0, 32)}-`), caches[0])
    } finally {
      rmSync(cache, {recursive: true, force: true})
    }
  })
})
