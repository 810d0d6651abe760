import {Flags, ux} from '@oclif/core'
import {hostname} from 'node:os'

import {RegistryCommand} from '../base/registry-command.ts'
import {AppViewUnreachableError, createAppViewClient, type AppViewClient} from '../lib/appview/client.ts'
import type {DeviceAuthorization} from '../lib/appview/contract.ts'
import {accountToReplace, type LoggedInAccount, saveLogin} from '../lib/device-flow/account-changes.ts'
import {browserOpener} from '../lib/device-flow/browser.ts'
import {runDeviceLogin} from '../lib/device-flow/device-login.ts'
import type {PollEvent} from '../lib/device-flow/wait-for-approval.ts'
import {BIN, DEVICE_SECRET_PREFIX} from '../lib/protocol/messages.ts'
import {enquirerPrompter, PromptCancelledError} from '../lib/prompts/prompter.ts'

export interface LoginResult {
  registry: string
  handle: string
  did: string
  /** An account with this handle or DID was already saved and has been replaced. */
  replaced: boolean
}

const MAX_SECRET_BYTES = 4096

/** A login on its way to the account file; `issuedHere` when this run's device flow got the secret. */
type LoginToSave = LoggedInAccount & {issuedHere: boolean}

export default class Login extends RegistryCommand {
  static override summary = 'Sign in to an ATCR registry with your AT Protocol account.'
  static override description = `Starts a device authorization: shows a one-time code and a URL, opens the browser where there is a display (not with --no-browser, over SSH or in CI), and waits while you approve the code on the registry's web page. The account is saved only once approved, and becomes the registry's active account.

Ctrl-C while waiting cancels the login: nothing is saved, exit 130. A Ctrl-C that comes after the approval lets the save finish first (the account is saved whole, never half), then exits 130.

Logging in to an account that is already saved asks before replacing it; --yes replaces without asking.

For CI: pipe an existing device secret to --with-token and name its account with --account; the secret is checked against the registry before it is saved.

--json prints {"registry","handle","did","replaced"} on stdout (never the secret).`
  static override examples = [
    {
      description: 'Log in to atcr.io: shows a code and opens the browser',
      command: '<%= config.bin %> login',
    },
    {
      description: 'Another registry, on a machine without a browser',
      command: '<%= config.bin %> login buoy.cr --no-browser',
    },
    {
      description: 'In CI: save a device secret read from stdin (never from argv)',
      command:
        '$ printf %s "$ATCR_DEVICE_SECRET" | <%= config.bin %> login atcr.io --with-token --account alice.bsky.social',
    },
  ]
  static override enableJsonFlag = true
  static override flags = {
    'no-browser': Flags.boolean({description: 'print the URL instead of opening a browser'}),
    yes: Flags.boolean({char: 'y', description: 'replace a saved login of the same account without asking'}),
    'with-token': Flags.boolean({
      description: 'read a device secret from stdin instead of signing in interactively',
    }),
    account: Flags.string({
      char: 'a',
      description: 'handle the device secret of --with-token belongs to',
      helpValue: 'HANDLE',
      dependsOn: ['with-token'],
    }),
  }

  async run(): Promise<LoginResult> {
    const {args, flags} = await this.parse(Login)
    const host = this.registryHost(args.registry)
    // An account file that cannot be used (or migrated) fails here, before anyone is sent to approve a
    // login that could not be saved, and before a secret is issued that nothing would keep or revoke.
    this.loadAccounts()
    const baseUrl = await this.resolveAppViewUrl(host)
    const client = createAppViewClient({baseUrl})

    if (flags['with-token']) {
      const login = await this.secretFromStdin(client, host, flags.account)
      return this.finish(client, host, {...login, issuedHere: false}, flags.yes)
    }
    // Ctrl-C during the device flow cancels it (exit 130, nothing saved). Once approved, the same handler
    // only notes it: Node's default action would kill the process in the middle of the locked save and
    // leave the lock file behind. The save completes, then the command stops with 130.
    const interruption = {controller: new AbortController(), interrupted: false}
    const onInterrupt = () => {
      interruption.interrupted = true
      interruption.controller.abort()
    }
    process.on('SIGINT', onInterrupt)
    try {
      const login = await this.deviceFlow(client, host, flags['no-browser'], interruption.controller)
      return await this.finish(
        client,
        host,
        {...login, issuedHere: true},
        flags.yes,
        () => interruption.interrupted,
      )
    } finally {
      process.removeListener('SIGINT', onInterrupt)
    }
  }

  private async finish(
    client: AppViewClient,
    host: string,
    login: LoginToSave,
    yes: boolean,
    interrupted: () => boolean = () => false,
  ): Promise<LoginResult> {
    const previous = await this.retireOnFailure(client, login, () =>
      accountToReplace(this.loadAccounts(), host, login),
    )
    if (previous && previous.account.device_secret !== login.deviceSecret && !yes) {
      await this.confirmReplace(client, host, previous.account.handle, login)
    }
    const {replaced} = await this.retireOnFailure(client, login, () =>
      this.updateAccounts((accounts) =>
        saveLogin(accounts, {
          host,
          registryKey: this.findRegistry(accounts, host)?.key ?? this.registryBaseUrl(host),
          appViewUrl: client.baseUrl,
          login,
        }),
      ),
    )
    if (interrupted()) {
      this.say(
        `Logged in to ${host} as ${login.handle}: Ctrl-C came after the approval, so the account was saved first.`,
      )
      this.exit(130)
    }
    if (previous && previous.account.device_secret !== login.deviceSecret) {
      // The replaced secret is of no further use: retire it on the AppView (best effort).
      await client.revokeDevice({
        handle: previous.account.handle,
        deviceSecret: previous.account.device_secret,
      })
    }
    this.say(`Logged in to ${host} as ${login.handle}`)
    return {registry: host, handle: login.handle, did: login.did, replaced}
  }

  /**
   * Run a step between the AppView issuing a secret and the account file keeping it. When the step
   * fails (full disk, read-only directory, a file that broke meanwhile), nothing will keep a secret this
   * login issued: retire it on the AppView rather than leave it valid. A piped secret belongs to the
   * person and is left alone.
   */
  private async retireOnFailure<T>(client: AppViewClient, login: LoginToSave, step: () => T): Promise<T> {
    try {
      return step()
    } catch (error) {
      if (login.issuedHere)
        await client.revokeDevice({handle: login.handle, deviceSecret: login.deviceSecret})
      throw error
    }
  }

  private async confirmReplace(
    client: AppViewClient,
    host: string,
    savedHandle: string,
    login: LoginToSave,
  ): Promise<void> {
    const question = `${savedHandle} is already logged in to ${host}. Replace its saved login?`
    let replace = false
    let cancelled = false
    if (this.canPrompt()) {
      try {
        replace = await enquirerPrompter().confirm(question, {initial: true})
      } catch (error) {
        if (!(error instanceof PromptCancelledError)) throw error
        cancelled = true
      }
    }
    if (replace) return
    // A secret this login's device flow just issued will not be kept: do not leave it valid on the
    // AppView. A secret piped to --with-token is the person's own (a CI secret, say): never revoke it.
    if (login.issuedHere) await client.revokeDevice({handle: login.handle, deviceSecret: login.deviceSecret})
    if (!this.canPrompt()) this.requireFlagWhenNoTerminal(question, '--yes to replace it')
    // Ctrl-C exits 130 like every other cancelled prompt; answering No is a plain failure.
    this.error(`Kept the saved login of ${savedHandle} on ${host}; nothing was changed.`, {
      exit: cancelled ? 130 : 1,
    })
  }

  private async secretFromStdin(client: AppViewClient, host: string, account: string | undefined) {
    if (!account)
      this.error(`--with-token needs the account the secret belongs to. Pass --account <handle>.`, {exit: 2})
    if (process.stdin.isTTY) {
      this.error(
        `--with-token reads the device secret from stdin. Pipe it in: printf %s "$SECRET" | ${BIN} login ${host} --with-token --account ${account}`,
        {exit: 2},
      )
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of process.stdin) {
      size += (chunk as Buffer).length
      if (size > MAX_SECRET_BYTES) this.error('stdin is too long to be a device secret.', {exit: 2})
      chunks.push(chunk as Buffer)
    }
    const deviceSecret = Buffer.concat(chunks).toString('utf8').trim()
    if (!deviceSecret.startsWith(DEVICE_SECRET_PREFIX) || /\s/.test(deviceSecret)) {
      this.error(
        `stdin does not hold an ATCR device secret (one word starting with ${DEVICE_SECRET_PREFIX}). Nothing was saved.`,
        {exit: 2},
      )
    }
    const handle = account.replace(/^@/, '').toLowerCase()
    const check = await client.checkSecret({handle, deviceSecret, service: host})
    switch (check.state) {
      case 'valid': {
        return {handle, did: check.did, deviceSecret}
      }
      case 'invalid': {
        return this.error(
          `${host} does not accept this device secret for ${handle} (unknown or revoked). Nothing was saved. Run: ${BIN} login ${host}`,
          {exit: 1},
        )
      }
      case 'session_expired': {
        return this.error(
          `The AT Protocol session behind this device secret expired. Sign in again at ${check.loginUrl || client.baseUrl}, then retry. Nothing was saved.`,
          {exit: 1},
        )
      }
      case 'unreachable': {
        return this.error(
          `Cannot check the secret: the AppView at ${client.baseUrl} did not answer (${check.reason}). Nothing was saved; try again later.`,
          {exit: 1},
        )
      }
    }
  }

  private async deviceFlow(
    client: AppViewClient,
    host: string,
    noBrowser: boolean,
    controller: AbortController,
  ): Promise<LoggedInAccount> {
    const spinner = Boolean(process.stderr.isTTY)
    const onCode = (authorization: DeviceAuthorization, browserOpened: boolean) => {
      this.say(`First copy your one-time code: ${authorization.userCode}`)
      this.say(
        browserOpened
          ? `Opening ${authorization.verificationUri} in your browser: sign in there and enter the code.`
          : `Then open ${authorization.verificationUri} in a browser, sign in, and enter the code.`,
      )
      if (spinner) ux.action.start('Waiting for approval', undefined, {stdout: false})
      else
        this.say(
          `Waiting for approval (the code is valid for ${Math.round(authorization.expiresIn / 60)} min)…`,
        )
    }
    const onEvent = (event: PollEvent) => {
      if (event.type === 'slow_down')
        this.note(spinner, `the registry asked to poll less often: every ${event.intervalSeconds}s now`)
      if (event.type === 'retrying')
        this.note(
          spinner,
          `no good answer from the registry (${event.reason}); retrying in ${Math.ceil(event.delayMs / 1000)}s`,
        )
    }

    let result
    try {
      result = await runDeviceLogin({
        client,
        deviceName: hostname(),
        signal: controller.signal,
        openBrowser: noBrowser ? undefined : browserOpener(process.env, process.platform),
        onCode,
        onEvent,
      })
    } catch (error) {
      if (spinner) ux.action.stop('failed')
      if (error instanceof AppViewUnreachableError)
        this.error(
          `${error.message}.\nCheck the registry name (${host}) and your network, then run: ${BIN} login ${host}`,
          {exit: 1},
        )
      throw error
    }
    if (spinner) ux.action.stop(result.outcome === 'approved' ? 'approved' : result.outcome)
    switch (result.outcome) {
      case 'approved': {
        return {handle: result.handle, did: result.did, deviceSecret: result.deviceSecret}
      }
      case 'expired': {
        return this.error(
          `The code expired before it was approved. Nothing was saved. Start again: ${BIN} login ${host}`,
          {exit: 1},
        )
      }
      case 'denied': {
        return this.error(
          `The code was declined on ${host}. Nothing was saved. To try again: ${BIN} login ${host}`,
          {exit: 1},
        )
      }
      case 'failed': {
        return this.error(
          `The registry stopped answering while waiting for approval: ${result.reason}. Nothing was saved. Try again: ${BIN} login ${host}`,
          {exit: 1},
        )
      }
      case 'cancelled': {
        return this.error('Login cancelled; nothing was saved.', {exit: 130})
      }
    }
  }

  private note(spinner: boolean, line: string): void {
    if (spinner) ux.action.status = line
    else this.say(line)
  }
}
