/**
 * test/support/in-process-cli.ts, the in-process runner most command tests use: it must capture exactly
 * what the command writes, give the exit code a spawned run gives, leave the test process as it found
 * it, and never swallow the test runner's own reporting (what @oclif/test's runCommand did here).
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {makeSandbox, REPO, runCli} from '../support/cli.ts'
import {runInProcess} from '../support/in-process-cli.ts'

const sandbox = makeSandbox()
after(() => sandbox.cleanup())

describe('running commands in-process', () => {
  it('gives what a spawned run gives: stdout, stderr and the exit code, for success and failure', async () => {
    for (const args of [
      ['version'],
      ['status'],
      ['stauts'],
      ['login', '--no-such-flag'],
      ['switch', '--json'],
    ]) {
      const [inProcess, spawned] = [
        await runInProcess(args, {env: sandbox.env}),
        await runCli(args, {env: sandbox.env}),
      ]
      assert.deepEqual(
        {stdout: inProcess.stdout, stderr: inProcess.stderr, code: inProcess.code},
        {stdout: spawned.stdout, stderr: spawned.stderr, code: spawned.code},
        args.join(' '),
      )
    }
  })

  it('restores the environment, the exit code and stdin afterwards', async () => {
    const before = {env: {...process.env}, exitCode: process.exitCode, stdin: process.stdin}
    const result = await runInProcess(['stauts'], {env: {...sandbox.env, ATCR_IN_PROCESS_PROBE: '1'}})
    assert.notEqual(result.code, 0)
    assert.deepEqual({...process.env}, before.env)
    assert.equal(process.exitCode, before.exitCode)
    assert.equal(process.stdin, before.stdin)
  })

  it('refuses a lone protocol verb: those never reach oclif', async () => {
    await assert.rejects(runInProcess(['get'], {env: sandbox.env}), /protocol verb/)
  })

  it('loses none of the test runner’s reports while commands run', () => {
    const tests = 12
    // Its own run, not a child of this one: without this file's NODE_TEST_CONTEXT.
    const {NODE_TEST_CONTEXT: _ours, ...env} = process.env
    const result = spawnSync(
      process.execPath,
      ['--test', '--test-reporter=tap', path.join(REPO, 'test', 'fixtures', 'in-process', 'reporting.ts')],
      {encoding: 'utf8', timeout: 60_000, env: {...env, IN_PROCESS_FIXTURE_TESTS: String(tests)}},
    )
    assert.equal(result.status, 0, result.stdout + result.stderr)
    assert.match(result.stdout, new RegExp(`^# tests ${tests}$`, 'm'), result.stdout)
    assert.match(result.stdout, new RegExp(`^# pass ${tests}$`, 'm'), result.stdout)
    // The test's own writes went to the runner's stdout, not into a command's capture.
    assert.match(result.stdout, /outside write/, result.stdout)
  })
})
