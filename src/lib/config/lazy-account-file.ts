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
 * its accounts as text behind an AccountIndex (account-index.ts): registry-entries.ts answers from the
 * text, and reading `accounts` parses and checks them all as above.
 */
import {AccountIndex, accountIndexes} from './account-index.ts'
import {
  type AccountFile,
  type RegistryEntry,
  validateRegistryEntry,
  validateTopLevel,
} from './account-file.ts'

/** What a registry's getter needs: its text (still unparsed) or its parsed value, and how to fail. */
export type RegistrySource = {text: () => string | undefined} | {value: unknown}

/** The bytes of a file as splitCanonical reads them: a Buffer, or a file read through a window (windowed-file.ts). */
export interface ByteSource {
  readonly length: number
  at(index: number): number | undefined
  indexOf(needle: Uint8Array | number, from?: number): number
  subarray(start: number, end: number): Uint8Array
}

/**
 * The top level of a file in the layout the helper writes, with each registry's member text set apart;
 * undefined when the bytes are not in that layout (the caller parses them whole). The bytes are read
 * forward, in two passes at most (to the registries' end, then over them): a windowed file
 * (windowed-file.ts) is read twice, and a member's text only when `text` is called.
 */
export function splitCanonical(
  bytes: ByteSource,
): {top: Record<string, unknown>; registries: {key: string; text: () => string | undefined}[]} | undefined {
  if (bytes.at(0) !== 0x7b || bytes.at(1) !== 0x0a) return undefined
  // A second `registries` member would be a duplicate key: the token check below sees which one counts.
  const at = bytes.indexOf(REGISTRIES_MEMBER)
  if (at === -1) return undefined
  const open = at + REGISTRIES_MEMBER.length - 1 // the `{` of the registries object
  const members: {key: string; text: () => string | undefined}[] = []
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
      const [from, end] = [start, bytes.at(next - 1) === 0x2c ? next - 1 : next] // without the comma between members
      members.push({key, text: () => decode(bytes, from, end)})
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

function decode(bytes: ByteSource, start: number, end: number): string | undefined {
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
 */
export function lazyAccountFile(
  top: Record<string, unknown>,
  sources: Iterable<[string, RegistrySource]>,
  fail: (error: unknown, url: string) => never,
  indexFrom = INDEX_FROM,
): AccountFile {
  const registries: Record<string, RegistryEntry> = {}
  for (const [url, source] of sources) {
    Object.defineProperty(registries, url, {
      configurable: true,
      enumerable: true,
      get() {
        let entry: RegistryEntry
        try {
          let value: unknown
          if ('text' in source) {
            const text = source.text()
            if (text === undefined) throw new Error('not UTF-8') // said exactly by `fail`'s full read
            // A large registry in the helper's layout: checked already, its accounts parsed when read.
            const indexed = text.length >= indexFrom ? indexedRegistry(text, url, fail) : undefined
            if (indexed) value = indexed
            else value = validateRegistryEntry((JSON.parse(`{${text}}`) as Record<string, unknown>)[url], url)
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
 * From how many characters a registry's accounts are answered from their text (account-index.ts) rather
 * than parsed: below it, parsing them all costs less than proving their layout (a few hundred accounts).
 */
const INDEX_FROM = 64 * 1024

const ACCOUNTS_MEMBER = '\n      "accounts": {'
const ACCOUNTS_CLOSER = '\n      }'

/**
 * A registry's member text (`\n    "https://atcr.io": {…}`) parsed but for its accounts, which stay text
 * behind an AccountIndex (registry-entries.ts asks it) until someone reads `accounts`; undefined when
 * the accounts are not in the layout the helper writes (the caller parses the text whole).
 */
function indexedRegistry(
  text: string,
  url: string,
  fail: (error: unknown, url: string) => never,
): Record<string, unknown> | undefined {
  const member = text.indexOf(ACCOUNTS_MEMBER)
  if (member === -1) return undefined
  const open = member + ACCOUNTS_MEMBER.length - 1 // the `{` of the accounts object
  const close =
    text[open + 1] === '}' ? open + 1 : text.indexOf(ACCOUNTS_CLOSER, open) + ACCOUNTS_CLOSER.length - 1
  if (close < open) return undefined
  const index = AccountIndex.of(
    text.slice(open + 1, close === open + 1 ? close : close - ACCOUNTS_CLOSER.length + 1),
  )
  if (!index) return undefined
  // The rest of the registry with the accounts replaced by a token no file holds: finding the token as
  // `accounts` proves the split was at the member that counts, as splitCanonical proves its own.
  const token = `accounts ${Math.random()}`
  let entry: Record<string, unknown>
  try {
    const rest = JSON.parse(
      `{${text.slice(0, open)}${JSON.stringify(token)}${text.slice(close + 1)}}`,
    ) as Record<string, Record<string, unknown>>
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
        accounts = validateRegistryEntry(
          (JSON.parse(`{${text}}`) as Record<string, unknown>)[url],
          url,
        ).accounts
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
