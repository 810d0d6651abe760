/**
 * Whether the D-Bus session bus answers, asked within a budget before the keychain binding connects.
 *
 * Why by hand: @napi-rs/keyring connects to the bus synchronously, on the calling (main) thread, with no
 * deadline of its own; a bus socket that accepts and never answers (a wedged dbus-daemon) blocked that
 * connection for as long as we waited (190 s measured). A worker thread or child process around the
 * whole call would bound it but cost every keychain `get` a second start (measured 1.6–2.0× a bare
 * Node.js against 1.2× for the call alone). So before the binding connects, this opens the same socket
 * and does the first step of the bus's own handshake (SASL EXTERNAL: a NUL byte, `AUTH EXTERNAL <uid>`,
 * answered `OK <guid>` or `REJECTED`), then hangs up: about a millisecond on a live bus.
 *
 * Only `unix:path=` and `unix:abstract=` addresses are probed (every desktop and `dbus-run-session`
 * uses one); any other address is left to the binding.
 */
import {net} from '../lazy-builtin.ts'

export type BusProbe = {answered: true} | {answered: false; reason: string}

/** The socket path of the first unix address in DBUS_SESSION_BUS_ADDRESS, `\0name` for an abstract one. */
export function sessionBusSocket(address: string | undefined): string | undefined {
  for (const candidate of (address ?? '').split(';')) {
    const match = /^unix:(.*)$/.exec(candidate.trim())
    if (!match) continue
    const keys = new Map(
      match[1]!.split(',').map((pair) => {
        const at = pair.indexOf('=')
        return [pair.slice(0, at), decodeURIComponent(pair.slice(at + 1))] as const
      }),
    )
    if (keys.has('path')) return keys.get('path')
    if (keys.has('abstract')) return `\0${keys.get('abstract')}`
  }
  return undefined
}

export function probeSessionBus(socketPath: string, budgetMs: number, uid: number): Promise<BusProbe> {
  return new Promise((resolve) => {
    const socket = net().createConnection(socketPath)
    let answer = ''
    const finish = (probe: BusProbe) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(probe)
    }
    const timer = setTimeout(
      () => finish({answered: false, reason: `the D-Bus session bus did not answer within ${budgetMs} ms`}),
      budgetMs,
    )
    socket.on('connect', () => {
      const hexUid = Buffer.from(String(uid)).toString('hex')
      socket.write(`\0AUTH EXTERNAL ${hexUid}\r\n`)
    })
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1')
      if (answer.includes('\r\n')) finish({answered: true})
    })
    // Connection refused, no such socket: the binding reports these at once, in its own words.
    socket.on('error', () => finish({answered: true}))
    socket.on('end', () => finish({answered: true}))
  })
}
