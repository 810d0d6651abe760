/**
 * The account file for lookups (`get`, `list`, and the looks `store` and `erase` take before the lock):
 * each registry is parsed and checked only when it is used, so `get` costs the same with ten thousand
 * accounts on other registries as with one (issue 9, "Scale").
 *
 * `registries` holds one getter per registry key: reading `registries[key]` (as findRegistry and
 * listRegistries do) parses that registry's part of the file, checks it and every account in it, and
 * replaces the getter with the value. A registry that cannot be understood is refused where it is used,
 * with the same AccountFileError a full read gives; registries nobody reads are not looked at.
 *
 * Finding a registry's part without parsing the rest relies on the layout serializeAccountFile writes
 * (two-space indentation, so a line's indentation is its depth: no JSON string holds a raw newline).
 * A file in any other layout is parsed whole, and its registries are still checked only when used.
 *
 * A large registry in that layout (10 000 accounts in the registry `get` asks about, issue 20) keeps
 * its accounts as bytes behind an AccountIndex (account-index.ts): registry-entries.ts answers from the
 * bytes, and reading `accounts` parses and checks them all as above.
 */
import {type AccountBytes, AccountIndex, accountIndexes, UNANSWERED} from './account-index.ts'
import {
  type AccountFile,
  type RegistryEntry,
  validateRegistryEntry,
  validateTopLevel,
} from './account-file.ts'
import type {LayoutProofs} from './layout-proofs.ts'
import type {ByteSource} from './windowed-file.ts'

/**
 * What a registry's getter needs: its parsed value, or where its member's text is — bytes [start, end)
 * of `bytes` (read when the getter runs), and `later`, the same bytes for questions asked after that.
 */
export type RegistrySource = MemberBytes | {value: unknown}

export interface MemberBytes {
  bytes: ByteSource
  start: number
  end: number
  later: AccountBytes
  /** Proofs of large registries' layouts remembered for this file (layout-proofs.ts). */
  proofs?: LayoutProofs
}

/**
 * The top level of a file in the layout the helper writes, with each registry's member text set apart;
 * undefined when the bytes are not in that layout (the caller parses them whole). The bytes are read
 * forward, in two passes at most (to the registries' end, then over them): a windowed file
 * (windowed-file.ts) is read twice, and a member's text only when `text` is called.
 */
export function splitCanonical(
  bytes: ByteSource,
): {top: Record<string, unknown>; registries: {key: string; start: number; end: number}[]} | undefined {
  if (bytes.at(0) !== 0x7b || bytes.at(1) !== 0x0a) return undefined
  // A second `registries` member would be a duplicate key: the token check below sees which one counts.
  const at = bytes.indexOf(REGISTRIES_MEMBER)
  if (at === -1) return undefined
  const open = at + REGISTRIES_MEMBER.length - 1 // the `{` of the registries object
  const members: {key: string; start: number; end: number}[] = []
  let close: number // the `}` that ends it
  if (bytes.at(open + 1) === 0x7d) {
    close = open + 1
  } else {
    // `{` then members at depth 2 (a newline and four spaces), then the closer at depth 1.
    if (bytes.indexOf(MEMBER_START, open) !== open + 1) return undefined
    const closeLine = bytes.indexOf(DEPTH_1_CLOSER, open)
    if (closeLine === -1) return undefined
    close = closeLine + DEPTH_1_CLOSER.length - 1
    let start = open + 1
    while (start < closeLine) {
      // Only the key's line is decoded now (before looking further on: the reading goes forward); the
      // member's text waits until someone reads it.
      const lineEnd = bytes.indexOf(0x0a, start + 1)
      const firstLine = lineEnd === -1 ? undefined : decode(bytes, start, lineEnd)
      const key = firstLine === undefined ? undefined : memberKey(firstLine)
      if (key === undefined) return undefined
      let next = bytes.indexOf(MEMBER_START, start + 1)
      if (next === -1 || next > closeLine) next = closeLine
      const end = bytes.at(next - 1) === 0x2c ? next - 1 : next // without the comma between members
      members.push({key, start, end})
      start = next
    }
  }
  // The rest of the file, with the registries replaced by a token no file can contain: parsing it
  // checks the top level, and finding the token as `registries` proves the split was at the right place.
  const token = `registries ${Math.random()}`
  const before = decode(bytes, 0, open)
  const after = decode(bytes, close + 1, bytes.length)
  if (before === undefined || after === undefined) return undefined
  let top: unknown
  try {
    top = JSON.parse(`${before}${JSON.stringify(token)}${after}`)
  } catch {
    return undefined
  }
  if (typeof top !== 'object' || top === null || (top as {registries?: unknown}).registries !== token)
    return undefined
  return {top: top as Record<string, unknown>, registries: members}
}

const REGISTRIES_MEMBER = Buffer.from('\n  "registries": {')
const MEMBER_START = Buffer.from('\n    "')
const DEPTH_1_CLOSER = Buffer.from('\n  }')
const utf8 = new TextDecoder('utf-8', {fatal: true})

export function decode(bytes: ByteSource, start: number, end: number): string | undefined {
  try {
    return utf8.decode(bytes.subarray(start, end))
  } catch {
    return undefined
  }
}

/** The key of a member's text (`\n    "https://atcr.io": {…`), decoded as JSON does. */
function memberKey(text: string): string | undefined {
  const quote = text.indexOf('"')
  let end = quote
  do {
    end = text.indexOf('"', end + 1)
    if (end === -1) return undefined
    let backslashes = 0
    while (text[end - 1 - backslashes] === '\\') backslashes++
    if (backslashes % 2 === 0) break
  } while (true) // eslint-disable-line no-constant-condition
  try {
    const key: unknown = JSON.parse(text.slice(quote, end + 1))
    return typeof key === 'string' ? key : undefined
  } catch {
    return undefined
  }
}

/**
 * An AccountFile whose registries are parsed and checked on first use. `fail` turns a registry that
 * cannot be understood into the caller's error (it may re-read the whole file to say exactly why).
 * `reread` gives a large registry's accounts when its bytes changed after they were proved (a file
 * read again by name, account-store.ts): the accounts of the file as it is now.
 */
export function lazyAccountFile(
  top: Record<string, unknown>,
  sources: Iterable<[string, RegistrySource]>,
  fail: (error: unknown, url: string) => never,
  options: IndexTuning & {reread?: (url: string) => RegistryEntry['accounts']} = {},
): AccountFile {
  const {indexFrom = INDEX_FROM, chunkBytes, reread = unchanging} = options
  const registries: Record<string, RegistryEntry> = {}
  for (const [url, source] of sources) {
    Object.defineProperty(registries, url, {
      configurable: true,
      enumerable: true,
      get() {
        let entry: RegistryEntry
        try {
          let value: unknown
          if ('bytes' in source) {
            // A large registry in the helper's layout: checked already, its accounts parsed when read.
            const indexed =
              source.end - source.start >= indexFrom
                ? indexedRegistry(source, url, fail, reread, chunkBytes)
                : undefined
            value = indexed ?? parseMember(decode(source.bytes, source.start, source.end), url)
          } else value = validateRegistryEntry(source.value, url)
          entry = value as RegistryEntry
        } catch (error) {
          fail(error, url)
        }
        Object.defineProperty(registries, url, {
          value: entry,
          writable: true,
          enumerable: true,
          configurable: true,
        })
        return entry
      },
      set(value: RegistryEntry) {
        Object.defineProperty(registries, url, {value, writable: true, enumerable: true, configurable: true})
      },
    })
  }
  return validateTopLevel({...top, registries})
}

/**
 * From how many bytes a registry's accounts are answered from their bytes (account-index.ts) rather
 * than parsed: below it, parsing them all costs less than proving their layout (a few hundred accounts).
 */
const INDEX_FROM = 64 * 1024

/** The sizes a test may make small, to reach every edge with a few accounts. */
export interface IndexTuning {
  /** From how many bytes a registry is indexed (INDEX_FROM). */
  indexFrom?: number
  /** How much text the proof decodes at a time (account-index.ts). */
  chunkBytes?: number
}

const ACCOUNTS_MEMBER = Buffer.from('\n      "accounts": {')
const ACCOUNTS_CLOSER = Buffer.from('\n      }')

/** A registry's member text (`\n    "https://atcr.io": {…}`), parsed and checked. */
function parseMember(text: string | undefined, url: string): RegistryEntry {
  if (text === undefined) throw new Error('not UTF-8') // said exactly by `fail`'s full read
  return validateRegistryEntry((JSON.parse(`{${text}}`) as Record<string, unknown>)[url], url)
}

/** Where no bytes can change (in memory): never called. */
function unchanging(): never {
  throw new Error('bytes in memory changed')
}

/**
 * A registry's member parsed but for its accounts, which stay bytes behind an AccountIndex
 * (registry-entries.ts asks it) until someone reads `accounts`; undefined when the accounts are not in
 * the layout the helper writes (the caller parses the member whole).
 */
function indexedRegistry(
  source: MemberBytes,
  url: string,
  fail: (error: unknown, url: string) => never,
  reread: (url: string) => RegistryEntry['accounts'],
  chunkBytes: number | undefined,
): Record<string, unknown> | undefined {
  const {bytes, start, end, later} = source
  const member = bytes.indexOf(ACCOUNTS_MEMBER, start)
  if (member === -1 || member >= end) return undefined
  const open = member + ACCOUNTS_MEMBER.length - 1 // the `{` of the accounts object
  // Its closer: none is among the accounts when they pass the proof, so the last one in the member is
  // the first after `open` whenever the index is built (a later member's closer fails the proof).
  let accountsEnd = open + 1
  if (bytes.at(open + 1) !== 0x7d) {
    accountsEnd = bytes.lastIndexOf(ACCOUNTS_CLOSER, end - ACCOUNTS_CLOSER.length)
    if (accountsEnd <= open) return undefined
  }
  const close = accountsEnd === open + 1 ? open + 1 : accountsEnd + ACCOUNTS_CLOSER.length - 1
  const index = AccountIndex.of(bytes, open + 1, accountsEnd, later, source.proofs, chunkBytes)
  if (!index) return undefined
  // The rest of the registry with the accounts replaced by a token no file holds: finding the token as
  // `accounts` proves the split was at the member that counts, as splitCanonical proves its own.
  const before = decode(bytes, start, open)
  const after = decode(bytes, close + 1, end)
  if (before === undefined || after === undefined) return undefined
  const token = `accounts ${Math.random()}`
  let entry: Record<string, unknown>
  try {
    const rest = JSON.parse(`{${before}${JSON.stringify(token)}${after}}`) as Record<
      string,
      Record<string, unknown>
    >
    entry = rest[url]!
  } catch {
    return undefined
  }
  if (typeof entry !== 'object' || entry === null || entry.accounts !== token) return undefined
  entry.accounts = {}
  validateRegistryEntry(entry, url) // the registry's own fields; its accounts passed AccountIndex.of
  Object.defineProperty(entry, 'accounts', {
    configurable: true,
    enumerable: true,
    get() {
      let accounts: unknown
      try {
        const text = later.read((proved) => decode(proved, start, end))
        accounts = text === UNANSWERED ? reread(url) : parseMember(text, url).accounts
      } catch (error) {
        fail(error, url)
      }
      accountIndexes.delete(entry as RegistryEntry)
      Object.defineProperty(entry, 'accounts', {
        value: accounts,
        writable: true,
        enumerable: true,
        configurable: true,
      })
      return accounts
    },
    set(value: unknown) {
      accountIndexes.delete(entry as RegistryEntry)
      Object.defineProperty(entry, 'accounts', {value, writable: true, enumerable: true, configurable: true})
    },
  })
  accountIndexes.set(entry as RegistryEntry, index)
  return entry
}
