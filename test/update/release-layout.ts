/**
 * Builds copies of this project in the layouts it is installed from, for the update tests:
 *   - an npm-style install (the package inside a node_modules directory);
 *   - a static file server for a release host (real releases: test/release/run.ts).
 *
 * Everything is made from the built dist/ of this checkout: nothing is downloaded. One shortcut: the
 * dependencies are not copied into each layout (hundreds of megabytes); a `node_modules` symlink to this
 * checkout's, placed in the temporary directory above every layout, is found by Node's module resolution
 * the way a release's own node_modules would be.
 */
import {chmodSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {createRequire} from 'node:module'
import type {AddressInfo} from 'node:net'
import path from 'node:path'

import {Config} from '@oclif/core'

import {REPO} from '../support/cli.ts'

export const BIN = 'docker-credential-atcr'

/** Make the checkout's dependencies resolvable from every layout under `root`. */
export function shareDependencies(root: string): void {
  symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir')
}

/**
 * The package as a release contains it (`<dir>/{package.json,oclif.manifest.json,bin,dist}`), with the
 * given version.
 */
export async function writePackage(dir: string, version: string): Promise<void> {
  mkdirSync(path.join(dir, 'bin'), {recursive: true})
  const pjson = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'))
  pjson.version = version
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pjson, null, 2)}\n`)
  cpSync(path.join(REPO, 'dist'), path.join(dir, 'dist'), {recursive: true})
  // The manifest the package ships (without it oclif loads every command and plugin on each start),
  // at this version as scripts/release.ts writes it: oclif warns when the two versions differ.
  const manifest = JSON.parse(readFileSync(path.join(REPO, 'oclif.manifest.json'), 'utf8'))
  writeFileSync(path.join(dir, 'oclif.manifest.json'), JSON.stringify({...manifest, version}))
  cpSync(path.join(REPO, 'bin', 'run.js'), path.join(dir, 'bin', 'run.js'))
  // oclif's launcher runs `bin/run`; in a "type": "module" package an extensionless file is ESM.
  writeFileSync(path.join(dir, 'bin', 'run'), "#!/usr/bin/env node\nimport './run.js'\n", {mode: 0o755})
  // The launcher script of oclif's tarballs (bin/docker-credential-atcr), from oclif itself.
  const require = createRequire(import.meta.url)
  const {writeBinScripts} = require('oclif/lib/tarballs/bin.js') as {
    writeBinScripts(options: {
      baseWorkspace: string
      config: Config
      nodeOptions: string[]
      nodeVersion: string
    }): Promise<void>
  }
  const config = await Config.load({root: dir})
  await writeBinScripts({baseWorkspace: dir, config, nodeOptions: [], nodeVersion: process.versions.node})
  chmodSync(path.join(dir, 'bin', BIN), 0o755)
}

/** A static file server on 127.0.0.1 for the release host; records the paths asked for. */
export async function serveDirectory(
  root: string,
): Promise<{url: string; requests: string[]; server: Server}> {
  const requests: string[] = []
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)
    requests.push(pathname)
    const file = path.join(root, path.normalize(pathname))
    if (!file.startsWith(root)) {
      response.statusCode = 403
      response.end()
      return
    }
    try {
      const body = readFileSync(file)
      response.setHeader('content-length', body.length)
      response.end(body)
    } catch {
      response.statusCode = 404
      response.end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server}
}
