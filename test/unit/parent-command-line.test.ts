import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  ancestorCommandLines,
  isShellOrShim,
  type ProcessInfo,
  systemProcessTable,
} from '../../src/lib/identity/parent-command-line.ts'

function table(processes: ProcessInfo[]) {
  const byPid = new Map(processes.map((info) => [info.pid, info]))
  return {read: (pid: number) => byPid.get(pid)}
}

describe('ancestorCommandLines', () => {
  it('yields only the parent when it is not a shell', () => {
    const found = [
      ...ancestorCommandLines(
        table([
          {pid: 10, parentPid: 5, argv: ['docker', 'push', 'x']},
          {pid: 5, argv: ['bash']},
        ]),
        10,
      ),
    ]
    assert.deepEqual(
      found.map((info) => info.pid),
      [10],
    )
  })

  it('walks past shells and shims, at most two levels further', () => {
    const processes = [
      {pid: 10, parentPid: 9, argv: ['sh', '-c', 'docker-credential-atcr get']},
      {pid: 9, parentPid: 8, argv: ['-bash']},
      {pid: 8, parentPid: 7, argv: ['env', 'FOO=1', 'bash']},
      {pid: 7, parentPid: 1, argv: ['docker', 'push', 'x']},
    ]
    assert.deepEqual(
      [...ancestorCommandLines(table(processes), 10)].map((info) => info.pid),
      [10, 9, 8],
    )
  })

  it('stops quietly on unreadable processes and pid 1', () => {
    assert.deepEqual([...ancestorCommandLines(table([]), 10)], [])
    assert.deepEqual([...ancestorCommandLines(table([{pid: 1, argv: ['init']}]), 1)], [])
  })

  it('recognises shells', () => {
    assert.ok(isShellOrShim(['/bin/sh', '-c', 'x']))
    assert.ok(isShellOrShim(['-zsh']))
    assert.ok(!isShellOrShim(['/usr/bin/docker', 'push']))
  })
})

describe('systemProcessTable on Linux', () => {
  it('parses /proc cmdline and stat, including a comm with spaces and parentheses', () => {
    const files: Record<string, string> = {
      '/proc/42/cmdline': 'docker\0push\0atcr.io/alice.bsky.social/app\0',
      '/proc/42/stat': '42 (weird (name) x) S 41 42 42 0 -1',
    }
    const reader = systemProcessTable('linux', (file) => {
      if (!(file in files)) throw new Error('ENOENT')
      return files[file]!
    })
    assert.deepEqual(reader.read(42), {
      pid: 42,
      parentPid: 41,
      argv: ['docker', 'push', 'atcr.io/alice.bsky.social/app'],
    })
    assert.equal(reader.read(43), undefined)
  })

  it('reads this very process', () => {
    const self = systemProcessTable('linux').read(process.pid)
    assert.equal(self?.parentPid, process.ppid)
    assert.ok(self?.argv[0]?.includes('node'))
  })

  it('skips Windows', () => {
    assert.equal(systemProcessTable('win32').read(process.pid), undefined)
  })
})
