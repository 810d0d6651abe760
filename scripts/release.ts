/**
 * `npm run release -- [--targets linux-x64,darwin-arm64,…] [--channel stable|beta] [--version X.Y.Z] [--unsigned]`
 *
 * Cuts a release of this checkout into $ATCR_RELEASE_DIR (default release/) with oclif's own packer:
 *
 * 1. `npm run build` (skipped with ATCR_RELEASE_BUILD=0), then `npm pack --ignore-scripts` of the package
 *    as npm would publish it, plus `bin/run` (oclif's launcher runs it) and the public release key;
 * 2. for each target, `oclif pack tarballs --tarball <that> --targets <target>` in a staging root whose
 *    package.json carries the release's version. oclif installs the production dependencies from the
 *    lockfile and takes Node.js (`oclif.update.node.version`, pinned) from its cache, which
 *    scripts/release/node-binary.ts fills from npm's node-<platform> packages, integrity checked: oclif
 *    downloads nothing. Windows targets need 7z (p7zip-full); a target that cannot be built is reported;
 *    asked for by --targets, it fails the release;
 * 3. lays the tarballs and manifests out exactly as `oclif upload tarballs` and `oclif promote --indexes`
 *    lay them out in a bucket (src/lib/update/release-manifest.ts), each JSON document signed (`.sig`),
 *    plus install.sh and install.ps1. Releases accumulate: cutting 1.1.0-beta.1 into a directory holding
 *    1.0.0 keeps 1.0.0 and the stable channel. The tree is served as it is by S3, a CDN or any static server.
 *
 * Signing: $ATCR_RELEASE_KEY is the path of an Ed25519 private key (PEM), outside the checkout. Without
 * it the release stops, unless --unsigned (then no copy will ever update to it, and its install.sh refuses).
 * docs/releasing.md is the how-to.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import {parseArgs} from 'node:util'

import {channelOfVersion, RELEASE_LAUNCHER_MARKER} from '../src/lib/update/install-kind.ts'
import {hostUrl} from '../src/lib/update/release-host.ts'
import {
  channelManifestPath,
  channelTarballPath,
  isChannelName,
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
import {compareVersions, isVersion} from '../src/lib/update/versions.ts'
import {provideNodeBinary} from './release/node-binary.ts'

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
const NODE_VERSION: string | undefined = pjson.oclif.update.node?.version
if (!NODE_VERSION || !isVersion(NODE_VERSION)) fail('package.json has no oclif.update.node.version (pin it)')
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

// --- build, then the package as npm would publish it
const started = Date.now()
if (process.env.ATCR_RELEASE_BUILD !== '0') {
  const build = spawnSync('npm', ['run', 'build'], {cwd: REPO, stdio: ['ignore', 'inherit', 'inherit']})
  if (build.status !== 0) fail('npm run build failed')
}
if (!existsSync(path.join(REPO, 'oclif.manifest.json')))
  fail('no oclif.manifest.json: run npm run build first')
mkdirSync(releaseDir, {recursive: true})
const work = mkdtempSync(path.join(releaseDir, '.work-'))
process.on('exit', () => rmSync(work, {recursive: true, force: true}))
const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {cwd: REPO, encoding: 'utf8'}).trim()

/** Child processes: npm without lifecycle scripts (the build is done) and from its cache when it can. */
const quietNpm = {
  ...process.env,
  npm_config_ignore_scripts: 'true',
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
}

function packagePackage(): string {
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], {
    cwd: REPO,
    encoding: 'utf8',
    env: quietNpm,
  })
  const tgz = path.join(work, packed.trim().split('\n').pop()!)
  const unpacked = path.join(work, 'npm-package')
  mkdirSync(unpacked)
  execFileSync('tar', ['-xzf', tgz, '-C', unpacked])
  rmSync(tgz)
  const pkg = path.join(unpacked, 'package')
  // oclif's launcher (bin/<bin>) runs bin/run; in a "type": "module" package an extensionless file is ESM.
  writeFileSync(path.join(pkg, 'bin', 'run'), "#!/usr/bin/env node\nimport './run.js'\n", {mode: 0o755})
  if (publicKeyPem) writeFileSync(path.join(pkg, RELEASE_KEY_FILE), publicKeyPem)
  // oclif warns on every start when its manifest names another version than package.json.
  const manifestFile = path.join(pkg, 'oclif.manifest.json')
  writeFileSync(manifestFile, JSON.stringify({...JSON.parse(readFileSync(manifestFile, 'utf8')), version}))
  const out = path.join(work, `${BIN}-package.tgz`)
  execFileSync('tar', ['-czf', out, '-C', unpacked, 'package'])
  return out
}
const packageTarball = packagePackage()

/** A root for `oclif pack tarballs`: this package.json at the release's version, its lockfile, oclif's node cache. */
function stagingRoot(target: string): string {
  const root = path.join(work, `root-${target}`)
  mkdirSync(path.join(root, 'tmp'), {recursive: true})
  writeFileSync(path.join(root, 'package.json'), `${JSON.stringify({...pjson, version}, null, 2)}\n`)
  copyFileSync(path.join(REPO, 'package-lock.json'), path.join(root, 'package-lock.json'))
  symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir')
  mkdirSync(path.join(REPO, 'tmp', 'cache'), {recursive: true})
  symlinkSync(path.join(REPO, 'tmp', 'cache'), path.join(root, 'tmp', 'cache'), 'dir')
  return root
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

/** `document` as JSON, with its Ed25519 signature beside it (or no .sig for --unsigned). */
function writeSigned(relative: string, document: unknown): void {
  const file = path.join(releaseDir, relative)
  mkdirSync(path.dirname(file), {recursive: true})
  const bytes = Buffer.from(`${JSON.stringify(document, null, 2)}\n`)
  writeFileSync(`${file}.tmp`, bytes)
  if (privateKeyPem) writeFileSync(`${file}${SIGNATURE_SUFFIX}`, signDocument(bytes, privateKeyPem))
  else rmSync(`${file}${SIGNATURE_SUFFIX}`, {force: true})
  renameSync(`${file}.tmp`, file)
}

/** What `oclif promote` does with `copyObject`: here a hard link where it can, else a copy. */
function copyInto(from: string, relative: string): void {
  const to = path.join(releaseDir, relative)
  mkdirSync(path.dirname(to), {recursive: true})
  rmSync(to, {force: true})
  try {
    linkSync(from, to)
  } catch {
    copyFileSync(from, to)
  }
}

/** oclif's version index, newest first, as `oclif promote --indexes` appends to it. */
function appendToIndex(target: ReleaseTarget, tarballUrl: string): void {
  const relative = versionIndexPath(target)
  let existing: Record<string, string>
  try {
    existing = JSON.parse(readFileSync(path.join(releaseDir, relative), 'utf8'))
  } catch {
    existing = {}
  }
  const merged: Record<string, string> = {...existing, [version]: tarballUrl}
  const sorted = Object.fromEntries(
    Object.keys(merged)
      .sort((a, b) => compareVersions(b, a) ?? 0)
      .map((key) => [key, merged[key]!]),
  )
  writeSigned(relative, sorted)
}

const oclif = path.join(REPO, 'node_modules', 'oclif', 'bin', 'run.js')
const built: Array<{target: string; size: number}> = []
/**
 * oclif pack runs one `npm install --production` on this machine for every target, and npm installs the
 * optional dependencies (the keychain's native binary, @napi-rs/keyring-<platform>-<arch>) for the machine
 * it runs on: npm's os/cpu/libc settings make it install the target's instead.
 */
function npmTargetEnv(platform: string, arch: string): Record<string, string> {
  return {
    npm_config_os: platform,
    npm_config_cpu: arch,
    ...(platform === 'linux' ? {npm_config_libc: 'glibc'} : {}),
  }
}

/** The package of @napi-rs/keyring that holds the target's binary (its optionalDependencies' names). */
function keyringPackage(platform: string, arch: string): string {
  const suffix = platform === 'linux' ? '-gnu' : platform === 'win32' ? '-msvc' : ''
  return `keyring-${platform}-${arch}${suffix}`
}

const missing: Array<{target: string; reason: string}> = []
function notBuilt(target: string, reason: string) {
  missing.push({target, reason})
  console.error(`release: ${target} NOT BUILT: ${reason}`)
}

for (const target of targets) {
  const [platform, arch] = target.split('-') as [string, string]
  if (platform === 'win32' && spawnSync('sh', ['-c', 'command -v 7z']).status !== 0) {
    notBuilt(target, 'oclif needs 7z for Windows targets (apt-get install p7zip-full)')
    continue
  }
  const node = provideNodeBinary(REPO, NODE_VERSION, platform, arch)
  if ('missing' in node) {
    notBuilt(target, node.missing)
    continue
  }
  const root = stagingRoot(target)
  const tarballCopy = path.join(work, `${target}.tgz`)
  copyFileSync(packageTarball, tarballCopy) // oclif moves the tarball it is given
  const pack = spawnSync(
    process.execPath,
    [
      oclif,
      'pack',
      'tarballs',
      '--root',
      root,
      '--tarball',
      tarballCopy,
      '--targets',
      target,
      '--sha',
      sha,
      '--no-xz',
    ],
    {cwd: root, encoding: 'utf8', env: {...quietNpm, ...npmTargetEnv(platform, arch)}},
  )
  const releaseTarget: ReleaseTarget = {bin: BIN, platform, arch}
  const tarballKey = tarballPath(releaseTarget, version, sha)
  const packed = path.join(root, 'dist', path.posix.basename(tarballKey))
  const packedManifest = path.join(
    root,
    'dist',
    path.posix.basename(versionManifestPath(releaseTarget, version, sha)),
  )
  if (pack.status !== 0 || !existsSync(packed) || !existsSync(packedManifest)) {
    const reason = `${pack.stderr}${pack.stdout}`.trim().split('\n').filter(Boolean).slice(-3).join(' / ')
    notBuilt(target, `oclif pack tarballs failed: ${reason}`)
    continue
  }
  // The tarball must hold the very Node.js whose SHA-256 was checked.
  const inside = platform === 'win32' ? `${BIN}/bin/node.exe` : `${BIN}/bin/node`
  const hashInside = spawnSync('sh', ['-c', 'tar -xzOf "$0" "$1" | sha256sum', packed, inside], {
    encoding: 'utf8',
  })
  if (hashInside.stdout.split(' ')[0] !== node.sha256) {
    notBuilt(target, `the packed ${inside} is not the checked Node.js ${NODE_VERSION}`)
    continue
  }
  // The keychain's native binary (an optional dependency) must be the target's, not this machine's.
  const keyring = `${BIN}/node_modules/@napi-rs/${keyringPackage(platform, arch)}/package.json`
  if (spawnSync('tar', ['-tzf', packed, keyring], {encoding: 'utf8'}).status !== 0) {
    notBuilt(target, `the packed tarball lacks ${keyring} (the keychain's binary for ${target})`)
    continue
  }
  const oclifManifest = JSON.parse(readFileSync(packedManifest, 'utf8'))
  if (oclifManifest.sha256gz !== sha256(packed))
    fail(`${packed}: oclif's sha256gz does not match the tarball`)
  // oclif's manifest, plus what it is for: a manifest signed for one platform is refused for another.
  const manifest = {...oclifManifest, bin: BIN, platform, arch}
  copyInto(packed, tarballKey)
  writeSigned(versionManifestPath(releaseTarget, version, sha), manifest)
  // oclif promote: the channel's manifest and tarball, and the version index.
  writeSigned(channelManifestPath(releaseTarget, channel), manifest)
  copyInto(packed, channelTarballPath(releaseTarget, channel))
  appendToIndex(releaseTarget, hostUrl(DEFAULT_HOST, tarballKey))
  const size = statSync(packed).size
  built.push({target, size})
  console.error(
    `release: ${target} ${(size / 1e6).toFixed(1)} MB (Node.js ${NODE_VERSION}, sha256 ${node.sha256.slice(0, 12)}…)`,
  )
  rmSync(root, {recursive: true, force: true})
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
  `release: ${BIN} ${version} (${sha}) on ${channel}${privateKeyPem ? ', signed' : ', UNSIGNED'}: ${built.length} of ${targets.length} targets in ${releaseDir} (${seconds} s)`,
)
for (const {target, size} of built) console.log(`${target}\t${size}\t${NODE_VERSION}`)
if (missing.length > 0) {
  console.error(
    `release: not built: ${missing.map(({target, reason}) => `${target} (${reason})`).join('; ')}`,
  )
  if (explicitTargets || built.length === 0) process.exit(1)
}
