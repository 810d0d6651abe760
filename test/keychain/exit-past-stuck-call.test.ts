/**
 * exitPastStuckCall ends a process whose libuv thread pool holds a call that never returns, with the
 * exit code asked for. The stuck call here is a read of a FIFO nobody writes to (it blocks a pool thread
 * in open(2), as a keychain read waiting on an unlock prompt does); the control shows that
 * `process.exit` alone would wait for it.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'
import {fileURLToPath, pathToFileURL} from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const EXIT_MODULE = pathToFileURL(path.join(REPO, 'src/lib/secret-store/exit-past-stuck-call.ts')).href

const directory = mkdtempSync(path.join(tmpdir(), 'atcr-stuck-'))
after(() => rmSync(directory, {recursive: true, force: true}))

/** Run a process that blocks a pool thread, prints a line, then ends as `how` says; give up after `limitMs`. */
function runStuck(how: string, limitMs: number) {
  const fifo = path.join(directory, `fifo-${Math.random().toString(36).slice(2)}`)
  const script = `
    import {execFileSync} from 'node:child_process'
    import {readFile, writeSync} from 'node:fs'
    import {exitPastStuckCall} from ${JSON.stringify(EXIT_MODULE)}
    execFileSync('mkfifo', [${JSON.stringify(fifo)}])
    readFile(${JSON.stringify(fifo)}, () => {})
    setTimeout(() => { writeSync(1, 'the answer\\n'); ${how} }, 50)`
  return new Promise<{
    code: number | null
    signal: string | null
    stdout: string
    ms: number
    killed: boolean
  }>((resolve) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['--input-type=module', '--eval', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let stdout = ''
    let killed = false
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const limit = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, limitMs)
    child.on('close', (code, signal) => {
      clearTimeout(limit)
      resolve({code, signal, stdout, ms: performance.now() - started, killed})
    })
  })
}

describe('exitPastStuckCall', {skip: process.platform === 'win32' ? 'needs mkfifo' : false}, () => {
  it('control: process.exit(1) waits for the stuck thread', async () => {
    const result = await runStuck('process.exit(1)', 2000)
    assert.equal(result.stdout, 'the answer\n')
    assert.equal(result.killed, true, `the process ended by itself (code ${result.code})`)
  })

  it('ends the process at once, with the exit code asked for, after what it wrote', async () => {
    for (const code of [1, 3]) {
      const result = await runStuck(`exitPastStuckCall(${code})`, 10_000)
      assert.equal(result.killed, false, 'the process was still running after 10 s')
      assert.deepEqual(
        {code: result.code, signal: result.signal, stdout: result.stdout},
        {
          code,
          signal: null,
          stdout: 'the answer\n',
        },
      )
    }
  })
})
