/**
 * A tiny Docker Engine API on a unix socket: just enough for the real Docker CLI to run `docker pull`,
 * `docker push` and `docker login` against it (DOCKER_HOST=unix://<socket>). It pulls and pushes
 * nothing; it records every request and the registry credentials the CLI forwarded in its
 * `X-Registry-Auth` header, so a test can prove which account the credential helper chose.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** The Engine API version the stub claims; Docker CLI 28 negotiates down to it. */
export const STUB_API_VERSION = '1.45'

/** Docker's registry.AuthConfig as the CLI encodes it in X-Registry-Auth (base64url JSON). */
export interface ForwardedAuth {
  username?: string
  password?: string
  auth?: string
  serveraddress?: string
  identitytoken?: string
  registrytoken?: string
}

export interface RecordedRequest {
  method: string
  /** Path without the `/v1.xx` version prefix. */
  path: string
  query: URLSearchParams
  /** The decoded X-Registry-Auth header; undefined when the CLI sent none. */
  registryAuth?: ForwardedAuth
  /** The parsed JSON body (docker login sends its credentials to /auth this way). */
  body?: unknown
}

export interface DockerEngineStub {
  /** `unix:///…/docker.sock`, ready for DOCKER_HOST. */
  dockerHost: string
  socketPath: string
  requests: RecordedRequest[]
  /** Requests whose path (without version) matches, e.g. `/images/create`. */
  requestsTo: (pathPattern: RegExp) => RecordedRequest[]
  close: () => Promise<void>
}

export function decodeRegistryAuth(header: string): ForwardedAuth | undefined {
  if (header === '') return undefined
  try {
    return JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as ForwardedAuth
  } catch {
    return {auth: `<undecodable X-Registry-Auth: ${header.length} chars>`}
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, {'Content-Type': 'application/json'})
  response.end(JSON.stringify(value))
}

/** A JSON-lines progress stream as the Engine writes it for pull and push. */
function sendProgress(response: ServerResponse, messages: object[]): void {
  response.writeHead(200, {'Content-Type': 'application/json'})
  for (const message of messages) response.write(`${JSON.stringify(message)}\r\n`)
  response.end()
}

const FAKE_DIGEST = `sha256:${'ab'.repeat(32)}`

function answer(request: RecordedRequest, response: ServerResponse): void {
  const {method, path, query} = request
  if (path === '/_ping') {
    response.writeHead(200, {
      'API-Version': STUB_API_VERSION,
      'Docker-Experimental': 'false',
      Ostype: 'linux',
      'Content-Type': 'text/plain; charset=utf-8',
    })
    response.end(method === 'HEAD' ? undefined : 'OK')
    return
  }
  if (path === '/version') {
    sendJson(response, 200, {
      Version: '28.2.2',
      ApiVersion: STUB_API_VERSION,
      MinAPIVersion: '1.24',
      Os: 'linux',
      Arch: 'amd64',
      Components: [],
    })
    return
  }
  if (path === '/info') {
    sendJson(response, 200, {IndexServerAddress: 'https://index.docker.io/v1/', OSType: 'linux'})
    return
  }
  if (method === 'POST' && path === '/auth') {
    // docker login asks the daemon to check the credentials against the registry.
    sendJson(response, 200, {Status: 'Login Succeeded', IdentityToken: ''})
    return
  }
  if (method === 'POST' && path === '/images/create') {
    const image = query.get('fromImage') ?? ''
    const tag = query.get('tag') || 'latest'
    sendProgress(response, [
      {status: `Pulling from ${image.split('/').slice(1).join('/')}`, id: tag},
      {status: `Digest: ${FAKE_DIGEST}`},
      {status: `Status: Downloaded newer image for ${image}:${tag}`},
    ])
    return
  }
  const push = /^\/images\/(.+)\/push$/.exec(path)
  if (method === 'POST' && push) {
    const tag = query.get('tag') || 'latest'
    sendProgress(response, [
      {status: `The push refers to repository [${push[1]}]`},
      {status: `${tag}: digest: ${FAKE_DIGEST} size: 528`},
      {progressDetail: {}, aux: {Tag: tag, Digest: FAKE_DIGEST, Size: 528}},
    ])
    return
  }
  const inspect = /^\/images\/(.+)\/json$/.exec(path)
  if (method === 'GET' && inspect) {
    sendJson(response, 200, {Id: FAKE_DIGEST, RepoTags: [inspect[1]], Os: 'linux', Architecture: 'amd64'})
    return
  }
  sendJson(response, 404, {message: `docker-engine-stub: ${method} ${path} is not implemented`})
}

/** Start the stub on a fresh socket in its own temp dir; close() removes both. */
export async function startDockerEngineStub(): Promise<DockerEngineStub> {
  const directory = mkdtempSync(join(tmpdir(), 'atcr-engine-stub-'))
  const socketPath = join(directory, 'docker.sock')
  const requests: RecordedRequest[] = []

  const server = createServer((incoming, response) => {
    const url = new URL(incoming.url ?? '/', 'http://docker')
    const header = incoming.headers['x-registry-auth']
    readBody(incoming).then(
      (text) => {
        let body: unknown
        if (text !== '') {
          try {
            body = JSON.parse(text)
          } catch {
            body = text
          }
        }
        const recorded: RecordedRequest = {
          method: incoming.method ?? 'GET',
          path: url.pathname.replace(/^\/v\d+\.\d+(?=\/)/, ''),
          query: url.searchParams,
          registryAuth: typeof header === 'string' ? decodeRegistryAuth(header) : undefined,
          body,
        }
        requests.push(recorded)
        answer(recorded, response)
      },
      () => response.destroy(),
    )
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(socketPath, () => resolve())
  })

  return {
    dockerHost: `unix://${socketPath}`,
    socketPath,
    requests,
    requestsTo: (pattern) => requests.filter((request) => pattern.test(request.path)),
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(directory, {recursive: true, force: true})
    },
  }
}
