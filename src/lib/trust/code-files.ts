/**
 * The one rule for local files that decide what code runs on `get` (issue 11): the trust settings
 * (`plugins-on-get.json`), the hook modules they name, and the config directory holding the settings.
 * They count only when owned by the current user and not writable by the group or others — otherwise
 * anyone who can write them chooses the code that receives the person's secrets.
 *
 * Files are opened without blocking and without following a final symlink, then checked on the open
 * descriptor (a FIFO or a device in their place is refused at once, and cannot be swapped in between).
 */
import {createHash} from 'node:crypto'
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  type Stats,
  statSync,
} from 'node:fs'
import path from 'node:path'

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, '0')
const quote = (file: string) => `'${file.replaceAll("'", `'\\''`)}'`

/** The current user's id, or undefined where there is no such notion (Windows: ACLs decide there). */
export function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined
}

export interface CodeFileProblem {
  path: string
  /** `owned by uid 65534, not by you (uid 0)`, `writable by others (mode 777)` … */
  problem: string
  /** The exact command that fixes it, when there is one the person can run. */
  fix?: string
}

/** What is wrong with a file or directory that decides what code runs; undefined when it may count. */
export function codeFileProblem(
  target: string,
  stats: Pick<Stats, 'uid' | 'mode'> & {isDirectory(): boolean},
  uid: number | undefined = currentUid(),
): CodeFileProblem | undefined {
  if (uid === undefined) return undefined
  if (stats.uid !== uid) return {path: target, problem: `owned by uid ${stats.uid}, not by you (uid ${uid})`}
  if ((stats.mode & 0o022) !== 0) {
    const who =
      (stats.mode & 0o020) !== 0 && (stats.mode & 0o002) !== 0
        ? 'the group and others'
        : (stats.mode & 0o020) !== 0
          ? 'the group'
          : 'others'
    const wanted = stats.isDirectory() ? '700' : '600'
    return {
      path: target,
      problem: `writable by ${who} (mode ${octal(stats.mode)})`,
      fix: `chmod ${wanted} ${quote(target)}`,
    }
  }
  return undefined
}

/** The directory's problem, checked through symlinks (ATCR_CONFIG_DIR may be one); missing: none. */
export function directoryProblem(directory: string, uid?: number): CodeFileProblem | undefined {
  let stats: Stats
  try {
    stats = statSync(directory)
  } catch {
    return undefined
  }
  return codeFileProblem(directory, stats, uid)
}

export class CodeFileError extends Error {
  readonly code?: string
  constructor(message: string, code?: string) {
    super(message)
    this.name = 'CodeFileError'
    this.code = code
  }
}

/**
 * Read a small file without ever blocking: opened O_NONBLOCK | O_NOFOLLOW, then it must be a regular
 * file of at most `maxBytes`; with `owned`, also owned by the user and not writable by others.
 * ENOENT is passed through as a CodeFileError with code 'ENOENT'.
 */
export function readGuardedFile(
  file: string,
  options: {maxBytes: number; owned: boolean; uid?: number},
): Buffer {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP')
      throw new CodeFileError(`${file} is a symbolic link, which is not followed here`, code)
    throw new CodeFileError(`${file}: ${(error as Error).message}`, code)
  }
  try {
    const stats = fstatSync(fd)
    if (!stats.isFile()) throw new CodeFileError(`${file} is not a regular file`)
    if (options.owned) {
      const problem = codeFileProblem(file, stats, options.uid ?? currentUid())
      if (problem) throw new CodeFileError(`${file} is ${problem.problem}`)
    }
    if (stats.size > options.maxBytes)
      throw new CodeFileError(`${file} is larger than ${options.maxBytes} bytes`)
    const buffer = Buffer.alloc(Math.min(stats.size, options.maxBytes) + 1)
    let length = 0
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null)
      if (read === 0) break
      length += read
      if (length >= buffer.length) throw new CodeFileError(`${file} is larger than ${options.maxBytes} bytes`)
    }
    return buffer.subarray(0, length)
  } finally {
    closeSync(fd)
  }
}

/**
 * One warning line for people commands (`status`, `plugins`) when the config directory or the trust
 * settings in it could be written by someone else, with the exact command that fixes it; undefined when
 * all is well. `get` ignores trusted plugins until it is fixed.
 */
export function looseCodeFilesWarning(
  directory: string,
  trustFile: string,
  uid?: number,
): string | undefined {
  const problems: CodeFileProblem[] = []
  const dir = directoryProblem(directory, uid)
  if (dir) problems.push(dir)
  try {
    const stats = statSync(trustFile)
    const file = codeFileProblem(trustFile, stats, uid)
    if (file) problems.push(file)
  } catch {
    // No trust file: only the directory matters.
  }
  if (problems.length === 0) return undefined
  const what = problems.map((item) => `${item.path} is ${item.problem}`).join('; ')
  const fixes = problems.map((item) => item.fix).filter(Boolean)
  const next =
    fixes.length === problems.length
      ? `Fix it: ${fixes.join(' && ')}`
      : `Make it yours and private again (chown to your user, then chmod 700 the directory and 600 the file)`
  return `Warning: ${what}: someone else could choose the code that runs on get, so plugins trusted on get are ignored. ${next}`
}

/** A plugin larger than this is not trusted on `get`: every file is hashed on each `get` it runs on. */
export const MAX_PACKAGE_FILES = 2000
export const MAX_PACKAGE_BYTES = 16 * 1024 * 1024

/**
 * Every file under a plugin's root, which its hooks can load (issue 17: trust that covered only the hook
 * file let another user rewrite a module it imports): relative path (with `/`) → SHA-256 of the bytes,
 * or `link:<relative target>` for a symbolic link to a file or directory inside the root. The root and
 * every directory and file under it must pass the owner/mode rule (codeFileProblem); a link out of the
 * root, a FIFO or a device, or a package over MAX_PACKAGE_FILES / MAX_PACKAGE_BYTES throws a
 * CodeFileError saying which.
 *
 * All of it rather than the hooks' module graph: a module can load any file by a computed path
 * (`import(\`./\${name}.js\`)`, `readFileSync`), which no static reading of imports can follow.
 */
export function packageFiles(root: string, uid: number | undefined = currentUid()): Record<string, string> {
  let realRoot: string
  try {
    realRoot = realpathSync(root)
  } catch (error) {
    throw new CodeFileError(`${root}: ${(error as Error).message}`, (error as NodeJS.ErrnoException).code)
  }
  const files: Record<string, string> = {}
  let count = 0
  let bytes = 0
  const checkDirectory = (directory: string, stats: Stats) => {
    const problem = codeFileProblem(directory, stats, uid)
    if (problem) throw new CodeFileError(`${directory} is ${problem.problem}`)
  }
  const walk = (directory: string) => {
    for (const name of readdirSync(directory).sort()) {
      const entry = path.join(directory, name)
      const relative = path.relative(realRoot, entry).split(path.sep).join('/')
      if (++count > MAX_PACKAGE_FILES)
        throw new CodeFileError(`${realRoot} holds more than ${MAX_PACKAGE_FILES} files`)
      const stats = lstatSync(entry)
      if (stats.isSymbolicLink()) {
        let target: string
        try {
          target = path.relative(realRoot, realpathSync(entry))
        } catch {
          throw new CodeFileError(`${entry} is a link to nothing`)
        }
        if (target === '' || target.startsWith('..') || path.isAbsolute(target))
          throw new CodeFileError(`${entry} links outside the plugin's root ${realRoot}`)
        files[relative] = `link:${target.split(path.sep).join('/')}`
      } else if (stats.isDirectory()) {
        checkDirectory(entry, stats)
        walk(entry)
      } else {
        const content = readGuardedFile(entry, {maxBytes: MAX_PACKAGE_BYTES - bytes, owned: true, uid})
        bytes += content.length
        files[relative] = createHash('sha256').update(content).digest('hex')
      }
    }
  }
  checkDirectory(realRoot, statSync(realRoot))
  walk(realRoot)
  return files
}
