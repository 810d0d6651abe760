import * as Flags from '@oclif/core/flags'
import {ux} from '@oclif/core/ux'
import {hostname} from 'node:os'

import {RegistryCommand} from '../base/registry-command.ts'
import {
  checkPipedSecret,
  handleForAccountFlag,
  type SaveLoginInput,
  saveLoginAccount,
} from '../lib/accounts/login-account.ts'
import {
  approvedAccount,
  deviceFlowError,
  readPipedSecret,
  savedLoginLine,
  watchInterrupt,
} from '../lib/accounts/login-steps.ts'
import type {AppViewClient} from '../lib/appview/client.ts'
import type {DeviceAuthorization} from '../lib/appview/contract.ts'
import type {LoggedInAccount} from '../lib/device-flow/account-changes.ts'
import {browserOpener} from '../lib/device-flow/browser.ts'
import {runDeviceLogin} from '../lib/device-flow/device-login.ts'
import type {PollEvent} from '../lib/device-flow/wait-for-approval.ts'
import {STORAGES} from '../lib/config/account-file.ts'
import {proveKeychainWritable} from '../lib/secret-store/account-secrets.ts'
import {chooseStorage, KEYCHAIN_PEOPLE_BUDGET_MS, openKeychain} from '../lib/secret-store/secret-store.ts'

export interface LoginResult {
  registry: string
  handle: string
  did: string
  /** An account with this handle or DID was already saved and has been replaced. */
  replaced: boolean
}

export default class Login extends RegistryCommand {
  static override summary = 'Sign in to an ATCR registry with your AT Protocol account.'
  static override description = `Starts a device authorization: shows a one-time code and a URL, opens the browser where there is a display (not with --no-browser, over SSH or in CI), and waits while you approve the code on the registry's web page. The account is saved only once approved, and becomes the registry's active account.

Ctrl-C while waiting cancels the login: nothing is saved, exit 130. A Ctrl-C that comes after the approval lets the save finish first (the account is saved whole, never half), then exits 130.

Logging in to an account that is already saved asks before replacing it (the answer defaults to No); --yes replaces without asking. The replaced secret is revoked at the AppView that issued it.

Before a code is shown or a secret checked, login makes sure the account file can be saved (the directory is writable, the lock can be taken), so nobody approves a login that could not be kept.

For CI: pipe an existing device secret to --with-token and name its account with --account; the secret is checked against the registry before it is saved.

--json prints {"registry","handle","did","replaced"} on stdout (never the secret).`
  static override examples = [
    {
      description: 'Log in to atcr.io: shows a code and opens the browser',
      command: '<%= config.bin %> login',
    },
    {
      description: 'Keep the device secret in the OS keychain instead of ~/.atcr/device.json',
      command: '<%= config.bin %> login --storage keychain',
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
    storage: Flags.string({
      description:
        'where the device secret is kept: the account file (default), or the OS keychain; ATCR_STORAGE sets it for scripts (docs/keychain.md)',
      options: [...STORAGES],
    }),
  }

  async run(): Promise<LoginResult> {
    const {args, flags} = await this.parse(Login)
    const host = this.registryHost(args.registry)
    // Checked before anything is read from stdin or asked of the AppView.
    const pipedHandle = flags['with-token'] ? handleForAccountFlag(flags.account, host) : undefined
    // An account file that cannot be used (or migrated), a read-only directory or a lock that cannot be
    // taken fails here: before anyone is sent to approve a login that could not be saved, and before a
    // secret is issued that nothing would keep.
    this.accountStore.proveWritable()
    // A keychain that is missing, locked or refuses fails here too, naming --storage file: never a silent
    // fallback to the file, and nobody approves a login whose secret could not be kept.
    const storage = chooseStorage(flags.storage, process.env)
    const keychain = () => openKeychain({budgetMs: KEYCHAIN_PEOPLE_BUDGET_MS})
    if (storage === 'keychain') await proveKeychainWritable(await keychain(), this.registryBaseUrl(host))
    const client = await this.appViewClient(host)

    if (pipedHandle !== undefined) {
      const text = await readPipedSecret(process.stdin, {host, handle: pipedHandle})
      const login = await checkPipedSecret({client, host, handle: pipedHandle, text})
      return this.save(client, host, login, {issuedHere: false, yes: flags.yes, storage, keychain})
    }
    const interrupt = watchInterrupt(process)
    try {
      const login = await this.deviceFlow(client, host, flags['no-browser'], interrupt.signal)
      return await this.save(client, host, login, {
        issuedHere: true,
        yes: flags.yes,
        interrupted: interrupt.interrupted,
        storage,
        keychain,
      })
    } finally {
      interrupt.stop()
    }
  }

  private async save(
    client: AppViewClient,
    host: string,
    login: LoggedInAccount,
    options: Pick<SaveLoginInput, 'issuedHere' | 'yes' | 'interrupted' | 'storage' | 'keychain'>,
  ): Promise<LoginResult> {
    const saved = await saveLoginAccount({
      host,
      registryKey: this.registryBaseUrl(host),
      client,
      clientFor: (accountAppViewUrl) => this.appViewClient(host, {accountAppViewUrl}),
      login,
      ...options,
      prompter: this.prompter(),
      store: this.accountStore,
      note: (line) => this.say(line),
    })
    const {line, exit} = savedLoginLine(saved, host)
    this.say(line)
    if (exit !== undefined) this.exit(exit)
    return {registry: host, handle: saved.handle, did: saved.did, replaced: saved.replaced}
  }

  private async deviceFlow(
    client: AppViewClient,
    host: string,
    noBrowser: boolean,
    signal: AbortSignal,
  ): Promise<LoggedInAccount> {
    const spinner = Boolean(process.stderr.isTTY)
    const onCode = (authorization: DeviceAuthorization, browserOpened: boolean) => {
      this.say(`First copy your one-time code: ${authorization.userCode}`)
      if (authorization.refusedLink)
        this.say(
          // Never the refused link itself, nor its scheme: that text is what a hostile AppView wants shown.
          `The AppView sent a device-page link this helper does not open or show (only plain https: links are); open ${authorization.verificationUri} yourself and find its device page.`,
        )
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
        signal,
        openBrowser: noBrowser ? undefined : browserOpener(process.env, process.platform),
        onCode,
        onEvent,
      })
    } catch (error) {
      if (spinner) ux.action.stop('failed')
      throw deviceFlowError(error, host)
    }
    if (spinner) ux.action.stop(result.outcome)
    return approvedAccount(result, host)
  }

  private note(spinner: boolean, line: string): void {
    if (spinner) ux.action.status = line
    else this.say(line)
  }
}
