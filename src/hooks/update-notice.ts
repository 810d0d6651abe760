/**
 * oclif `prerun` hook: the at-most-daily "new version available" line on stderr for people commands.
 * All decisions live in src/lib/update/notice.ts; this only gathers the facts from oclif's Config.
 * It never waits on the network: a stale state is refreshed by a detached process for a later run.
 */
import type {Hook} from '@oclif/core/hooks'
import {existsSync} from 'node:fs'
import path from 'node:path'

import {noticeSuppressedBecause} from '../lib/update/notice-suppression.ts'

const hook: Hook.Prerun = async function ({Command, argv, config}) {
  try {
    if (noticeSuppressedBecause({env: process.env, commandId: Command.id, argv})) return
    // Loaded past the check only: this hook runs before every people command, and a suppressed
    // notice (--json, CI, the opt-out) needs none of it: the notice's modules (semver among them) cost
    // milliseconds, node:child_process more.
    const [
      {noticeStateFile, planNotice, readNoticeState, writeNoticeState},
      {hostUrl, releaseHost},
      {channelManifestPath},
      {detectInstallKind, updateCommandFor},
      {currentChannel},
      {prefixToKeep},
      {RELEASE_KEY_FILE},
    ] = await Promise.all([
      import('../lib/update/notice.ts'),
      import('../lib/update/release-host.ts'),
      import('../lib/update/release-manifest.ts'),
      import('../lib/update/install-kind.ts'),
      import('../lib/update/channel.ts'),
      import('../lib/update/npm-prefix.ts'),
      import('../lib/update/signed-document.ts'),
    ])
    const host = releaseHost(process.env, config.pjson.oclif.update?.s3?.host, config.dataDir)
    if (!host) return
    const channel = currentChannel(config.dataDir, config.version)
    const file = noticeStateFile(config.cacheDir)
    const state = readNoticeState(file)
    const now = Date.now()
    const kind = detectInstallKind({binPath: config.binPath, root: config.root})
    const plan = planNotice({
      state,
      now,
      currentVersion: config.version,
      channel,
      bin: config.bin,
      updateCommand: updateCommandFor(kind, {
        bin: config.bin,
        packageName: config.name,
        channel,
        // The same command `update` prints: it keeps the --prefix the package was installed under.
        npmPrefix: prefixToKeep({
          root: config.root,
          packageName: config.name,
          execPath: process.execPath,
          env: process.env,
          platform: process.platform,
        }),
      }),
    })
    if (plan.notice) {
      process.stderr.write(`${plan.notice}\n`)
      writeNoticeState(file, plan.nextState!)
    }
    // Only a copy with a release key can check the manifest's signature: without one, no refresh.
    const keyFile = path.join(config.root, RELEASE_KEY_FILE)
    if (plan.refresh && existsSync(keyFile)) {
      // Claim the refresh first so that commands run in quick succession start only one.
      writeNoticeState(file, {...readNoticeState(file), checkedAt: now, channel})
      const manifest = hostUrl(
        host,
        channelManifestPath({bin: config.bin, platform: config.platform, arch: config.arch}, channel),
      )
      const {spawn} = await import('node:child_process')
      // The package's own script (scripts/bundle.ts builds it as an entry point of its own), found from the
      // package root: this hook's code may lie in a shared chunk, not beside dist/hooks/.
      const script = path.join(config.root, 'dist', 'lib', 'update', 'refresh-in-background.js')
      spawn(process.execPath, [script, file, manifest, channel, keyFile], {
        detached: true,
        stdio: 'ignore',
      }).unref()
    }
  } catch (error) {
    // A notice is a courtesy: it never breaks the command.
    this.debug('update notice skipped: %s', (error as Error).message)
  }
}

export default hook
