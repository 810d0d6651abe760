/**
 * One device authorization from start to approval (spec/appview-api.md §1–2): ask the AppView for a
 * code, show it (and open the browser where allowed), then poll until the person decides. Saving is the
 * caller's job and happens only after an approval, so a cancelled login leaves nothing behind.
 */
import type {AppViewClient} from '../appview/client.ts'
import type {DeviceAuthorization} from '../appview/contract.ts'
import type {BrowserOpener} from './browser.ts'
import {type ApprovalResult, type Clock, type PollEvent, waitForApproval} from './wait-for-approval.ts'

export interface DeviceLoginInput {
  client: Pick<AppViewClient, 'startDeviceAuthorization' | 'pollDeviceToken'>
  deviceName: string
  clock?: Clock
  signal?: AbortSignal
  /** Undefined: do not open a browser (--no-browser, no display, CI). */
  openBrowser?: BrowserOpener
  /** Show the code and URL to the person; `browserOpened` says whether a browser was asked to open. */
  onCode: (authorization: DeviceAuthorization, browserOpened: boolean) => void
  onEvent?: (event: PollEvent) => void
}

/** Throws AppViewUnreachableError when the authorization cannot even start. */
export async function runDeviceLogin(input: DeviceLoginInput): Promise<ApprovalResult> {
  let authorization: DeviceAuthorization
  try {
    authorization = await input.client.startDeviceAuthorization({
      deviceName: input.deviceName,
      signal: input.signal,
    })
  } catch (error) {
    if (input.signal?.aborted) return {outcome: 'cancelled'}
    throw error
  }
  const browserOpened = input.openBrowser !== undefined
  input.onCode(authorization, browserOpened)
  input.openBrowser?.(authorization.verificationUriComplete ?? authorization.verificationUri)
  return waitForApproval({
    authorization,
    poll: (deviceCode, options) => input.client.pollDeviceToken(deviceCode, options),
    clock: input.clock,
    signal: input.signal,
    onEvent: input.onEvent,
  })
}
