/**
 * tmpfs mounts for tests that need a real full or read-only file system (the tests run as root, so file
 * modes alone would not stop a write): `mount`/`unmount`, and a config directory that really is read-only
 * for the CLI: its own small tmpfs, remounted `ro` (the
 * tests run as root, so file modes alone would not stop a write). Tests that need one skip when the
 * machine cannot mount a tmpfs.
 */
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

/** Run mount(8); undefined when it worked, else its error text. */
export function mount(args: string[]): string | undefined {
  try {
    execFileSync('mount', args, {stdio: 'pipe'})
    return undefined
  } catch (error) {
    return ((error as {stderr?: Buffer}).stderr?.toString() || (error as Error).message).trim()
  }
}

/** Unmount, lazily if it is busy. */
export function unmount(target: string): void {
  try {
    execFileSync('umount', [target], {stdio: 'pipe'})
  } catch {
    execFileSync('umount', ['-l', target], {stdio: 'pipe'})
  }
}

/** Undefined when a tmpfs can be mounted here; else why not (a reason to skip). */
export const cannotMountReason: string | undefined = (() => {
  const probe = mkdtempSync(path.join(tmpdir(), 'atcr-ro-probe-'))
  try {
    const problem = mount(['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe])
    if (problem === undefined) unmount(probe)
    return problem === undefined ? undefined : `cannot mount a tmpfs: ${problem}`
  } finally {
    rmSync(probe, {recursive: true, force: true})
  }
})()

export interface ReadOnlyConfig {
  /** The config directory (set ATCR_CONFIG_DIR to it); writable until `lock()`. */
  directory: string
  /** Remount read-only. */
  lock(): void
  /** Unmount and remove. */
  cleanup(): void
}

/** A config directory under `root` on its own tmpfs, writable until `lock()`. */
export function readOnlyConfigDirectory(root: string): ReadOnlyConfig {
  const mountPoint = path.join(root, 'ro-mount')
  mkdirSync(mountPoint, {recursive: true})
  const problem = mount(['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mountPoint])
  if (problem !== undefined) throw new Error(`cannot mount a tmpfs: ${problem}`)
  const directory = path.join(mountPoint, 'atcr')
  mkdirSync(directory, {mode: 0o700})
  let mounted = true
  return {
    directory,
    lock: () => {
      const failed = mount(['-o', 'remount,ro', mountPoint])
      if (failed !== undefined) throw new Error(`cannot remount read-only: ${failed}`)
    },
    cleanup: () => {
      if (mounted) unmount(mountPoint)
      mounted = false
    },
  }
}
