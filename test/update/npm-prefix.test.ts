/**
 * The npm command `update` prints keeps the global prefix the package was installed under, so that
 * pasting it updates this copy rather than installing a second one elsewhere.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  defaultGlobalPrefix,
  installPrefix,
  npmInstallCommand,
  prefixToKeep,
  quoteForShell,
} from '../../src/lib/update/npm-prefix.ts'

const NAME = 'docker-credential-atcr'

describe('installPrefix', () => {
  it('is the directory above lib/node_modules/<name> on POSIX', () => {
    assert.equal(installPrefix(`/usr/local/lib/node_modules/${NAME}`, NAME, 'linux'), '/usr/local')
    assert.equal(
      installPrefix(`/home/a/.npm-global/lib/node_modules/${NAME}/`, NAME, 'darwin'),
      '/home/a/.npm-global',
    )
    assert.equal(installPrefix('/opt/p/lib/node_modules/@atcr/helper', '@atcr/helper', 'linux'), '/opt/p')
  })

  it('is the directory above node_modules\\<name> on Windows', () => {
    assert.equal(
      installPrefix(`C:\\Users\\a\\AppData\\Roaming\\npm\\node_modules\\${NAME}`, NAME, 'win32'),
      'C:\\Users\\a\\AppData\\Roaming\\npm',
    )
    assert.equal(
      installPrefix('D:\\tools\\node_modules\\@atcr\\helper', '@atcr/helper', 'win32'),
      'D:\\tools',
    )
  })

  it('is undefined when the package is not where a global install puts it', () => {
    assert.equal(installPrefix(`/home/a/project/node_modules/${NAME}`, NAME, 'linux'), undefined)
    assert.equal(installPrefix(`/usr/local/lib/node_modules/other`, NAME, 'linux'), undefined)
    assert.equal(installPrefix(`/home/a/src/${NAME}`, NAME, 'linux'), undefined)
  })
})

describe('defaultGlobalPrefix', () => {
  it("is the directory above the running Node.js's bin on POSIX, its own directory on Windows", () => {
    assert.equal(defaultGlobalPrefix('/usr/local/bin/node', 'linux'), '/usr/local')
    assert.equal(
      defaultGlobalPrefix('/home/a/.nvm/versions/node/v24.1.0/bin/node', 'darwin'),
      '/home/a/.nvm/versions/node/v24.1.0',
    )
    assert.equal(
      defaultGlobalPrefix('C:\\Program Files\\nodejs\\node.exe', 'win32'),
      'C:\\Program Files\\nodejs',
    )
  })
})

describe('prefixToKeep', () => {
  const nvm = '/home/a/.nvm/versions/node/v24.1.0'
  const facts = (root: string, env: NodeJS.ProcessEnv = {}) => ({
    root,
    packageName: NAME,
    execPath: `${nvm}/bin/node`,
    env,
    platform: 'linux' as const,
  })

  it("is undefined when the install is under the running Node.js's default prefix", () => {
    assert.equal(prefixToKeep(facts(`${nvm}/lib/node_modules/${NAME}`)), undefined)
    assert.equal(
      prefixToKeep(facts(`${nvm}/lib/node_modules/${NAME}`, {npm_config_prefix: `${nvm}/`})),
      undefined,
    )
  })

  it('is the install prefix when it is not the default one', () => {
    assert.equal(prefixToKeep(facts(`/home/a/.npm-global/lib/node_modules/${NAME}`)), '/home/a/.npm-global')
  })

  it('is the install prefix when npm_config_prefix points elsewhere', () => {
    assert.equal(
      prefixToKeep(facts(`${nvm}/lib/node_modules/${NAME}`, {npm_config_prefix: '/opt/other'})),
      nvm,
    )
    assert.equal(
      prefixToKeep(facts(`${nvm}/lib/node_modules/${NAME}`, {NPM_CONFIG_PREFIX: '/opt/other'})),
      nvm,
    )
  })

  it('is undefined when no prefix can be read off the install (a project dependency)', () => {
    assert.equal(prefixToKeep(facts(`/home/a/project/node_modules/${NAME}`)), undefined)
  })

  it('compares Windows paths without regard to case', () => {
    const windows = {
      packageName: NAME,
      execPath: 'C:\\Program Files\\nodejs\\node.exe',
      env: {},
      platform: 'win32' as const,
    }
    assert.equal(
      prefixToKeep({...windows, root: `c:\\program files\\nodejs\\node_modules\\${NAME}`}),
      undefined,
    )
    assert.equal(
      prefixToKeep({...windows, root: `C:\\Users\\a\\AppData\\Roaming\\npm\\node_modules\\${NAME}`}),
      'C:\\Users\\a\\AppData\\Roaming\\npm',
    )
  })
})

describe('quoteForShell', () => {
  it('single-quotes for POSIX shells, escaping single quotes', () => {
    assert.equal(quoteForShell('/opt/my tools', 'linux'), "'/opt/my tools'")
    assert.equal(quoteForShell("/home/o'brien/.npm", 'darwin'), `'/home/o'\\''brien/.npm'`)
  })
  it('double-quotes on Windows (cmd.exe and PowerShell both take it)', () => {
    assert.equal(quoteForShell('C:\\Program Files\\npm', 'win32'), '"C:\\Program Files\\npm"')
  })
})

describe('npmInstallCommand', () => {
  it('is the plain global install without a prefix', () => {
    assert.equal(npmInstallCommand(NAME, 'latest'), `npm i -g ${NAME}@latest`)
  })
  it('carries the quoted prefix when there is one', () => {
    assert.equal(
      npmInstallCommand(NAME, 'beta', {prefix: '/home/a/.npm-global', platform: 'linux'}),
      `npm i -g --prefix '/home/a/.npm-global' ${NAME}@beta`,
    )
    assert.equal(
      npmInstallCommand(NAME, '1.2.0', {prefix: 'D:\\tools', platform: 'win32'}),
      `npm i -g --prefix "D:\\tools" ${NAME}@1.2.0`,
    )
  })
})
