/**
 * A real OCI registry for the rig: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 in
 * token-auth mode, trusting the AppView emulator's token-signing certificate. Its storage lives in the
 * given directory; the rig's cleanup removes it.
 */
import {randomBytes} from 'node:crypto'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {freePort, recentOutput, type ServerProcesses, waitFor} from './processes.ts'

export const REGISTRY_BINARY = '/usr/bin/docker-registry'

export interface TokenAuth {
  /** `<appview>/auth/token` */
  realm: string
  /** The registry host clients use (`127.0.0.1:<port>` of the AppView, which fronts /v2/). */
  service: string
  issuer: string
  certificatePem: string
}

export interface RunningRegistry {
  /** `http://127.0.0.1:<port>`: its own address, for the AppView to proxy /v2/ to. */
  url: string
}

/** distribution's configuration file; JSON is YAML, so no YAML writer is needed. */
export function registryConfig(options: {directory: string; port: number; auth: TokenAuth}) {
  const certificateFile = path.join(options.directory, 'token-signing.pem')
  writeFileSync(certificateFile, options.auth.certificatePem)
  const storage = path.join(options.directory, 'storage')
  mkdirSync(storage, {recursive: true})
  return {
    version: 0.1,
    log: {level: 'warn', accesslog: {disabled: true}},
    storage: {filesystem: {rootdirectory: storage}, delete: {enabled: true}},
    http: {addr: `127.0.0.1:${options.port}`, secret: randomBytes(16).toString('hex')},
    auth: {
      token: {
        realm: options.auth.realm,
        service: options.auth.service,
        issuer: options.auth.issuer,
        rootcertbundle: certificateFile,
      },
    },
  }
}

export async function startRegistry(options: {
  directory: string
  auth: TokenAuth
  servers: ServerProcesses
}): Promise<RunningRegistry> {
  mkdirSync(options.directory, {recursive: true})
  const port = await freePort()
  const configFile = path.join(options.directory, 'config.yml')
  writeFileSync(
    configFile,
    JSON.stringify(registryConfig({directory: options.directory, port, auth: options.auth}), null, 2),
  )
  const child = options.servers.start(REGISTRY_BINARY, ['serve', configFile], {PATH: process.env.PATH})
  const url = `http://127.0.0.1:${port}`
  try {
    await waitFor(`docker-registry on ${url}`, async () => {
      if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}`)
      const response = await fetch(`${url}/v2/`)
      return response.status === 401
    })
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${recentOutput(child)}`, {cause: error})
  }
  return {url}
}
