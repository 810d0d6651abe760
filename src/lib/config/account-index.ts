/**
 * One registry's accounts answered from their bytes, for `get` with thousands of accounts in the registry
 * it asks about (issue 20): parsing and checking 10 000 accounts to use one cost `get` about as much as
 * starting Node. Instead, the accounts' bytes are proved to be in the layout serializeAccountFile writes;
 * then a lookup finds its account's lines by searching the bytes and parses that account's object alone.
 *
 * The proof is what makes the answers the full parse's answers: bytes that pass it are a JSON object
 * whose every member is an account with a handle, a DID, a device secret and maybe an AppView URL, and
 * nothing else (so validateRegistryEntry accepts it), written in printable ASCII with no escapes (so a
 * string's bytes are its value, and a handle's case folds as toLowerCase folds it). Bytes that fail it,
 * and the rare questions they do not answer cheaply (a key written twice where it matters, a DID with
 * nothing after its method), go to the full parse, which also says exactly what is wrong. The proof is
 * remembered for the version of the file it was made on (layout-proofs.ts).
 *
 * Why bytes and not one string of the accounts: on the machines measured, making a 2.2 MB string (or a
 * 2.2 MB Buffer) costs `get` 7–20 ms in fresh memory and UTF-8 decoding, more than everything else it
 * does with the file. The proof reads the bytes once through the file's window, a few kilobytes of text
 * at a time; each question reads them again (AccountBytes), searching with Buffer.indexOf.
 */
import type {Account, RegistryEntry} from './account-file.ts'
import type {LayoutProofs} from './layout-proofs.ts'
import {type ByteSource, FileChangedError} from './windowed-file.ts'

/** The index of a registry whose accounts are not parsed yet; parsing them (reading `accounts`) drops it. */
export const accountIndexes = new WeakMap<RegistryEntry, AccountIndex>()

/** Questions the bytes cannot answer cheaply: the caller asks the parsed accounts instead. */
export const UNANSWERED = Symbol('unanswered')
export type Answer<T> = T | typeof UNANSWERED

/**
 * Where an index reads the bytes it proved when asked: a Buffer in memory, or the file opened again
 * (account-store.ts), which answers UNANSWERED when the file is no longer the one that was proved.
 */
export interface AccountBytes {
  read<T>(use: (bytes: ByteSource) => T): Answer<T>
}

/** Bytes held in memory: they cannot change. */
export function bytesInMemory(bytes: Buffer): AccountBytes {
  return {read: (use) => use(bytes)}
}

/** A string's text: printable ASCII with no quote or backslash, so no escapes (its value, as JSON.stringify writes it). */
const PLAIN = String.raw`[ !#-\[\]-~]`
const PLAIN_TEXT = new RegExp(`^${PLAIN}*$`)
/** A key line's opening: `\n` and a member of `accounts` (depth 4). */
const KEY_LINE = Buffer.from('\n        "')
const NEWLINE = Buffer.from('\n')
/** The last line of an account: its object's closer at depth 4. */
const ACCOUNT_CLOSER = Buffer.from('\n        }')
const FIELD = (name: string, content: string) => String.raw`\n {10}"${name}": "${content}"`

/**
 * The first key line that does not open a whole account followed by the next key line or the end of
 * the text: none means the text is a run of accounts as the helper writes them (an all-digit key would
 * come first in JSON.parse's order, whatever its place: it is refused too). `handle`: what a handle's
 * characters may be.
 */
const notAnAccount = (handle: string) =>
  new RegExp(
    String.raw`\n {8}"(?!(?!\d+")${PLAIN}*": \{` +
      `${FIELD('handle', `${handle}+`)},${FIELD('did', `${PLAIN}*`)},${FIELD('device_secret', `${PLAIN}+`)}` +
      `(?:,${FIELD('appview_url', `${PLAIN}*`)})?` +
      String.raw`\n {8}\}(?:,\n {8}"|$))`,
  )
const NOT_AN_ACCOUNT = notAnAccount(PLAIN)
/** The same with no upper-case letter in a handle: when it holds, a handle's lines are found by its bytes. */
const NOT_AN_ACCOUNT_IN_LOWER_CASE = notAnAccount(String.raw`[ !#-@\[\]-~]`)

/**
 * How much text the proof decodes at a time: small strings stay in V8's young generation, whose memory
 * is reused, where one string per 256 KiB window would take fresh memory each time. An account longer
 * than this (never the helper's) leaves the registry to the full parse.
 */
const CHUNK_BYTES = 32 * 1024

export class AccountIndex {
  private readonly bytes: AccountBytes
  /** The members of the `accounts` object: from the newline before the first key to the last account's `}`. */
  private readonly start: number
  private readonly end: number
  /** No handle has an upper-case letter: a handle's lines are found by searching its bytes. */
  private readonly lowerCaseHandles: boolean
  private readonly chunkBytes: number
  /** spread()'s answer, once asked: one lookup asks it several times, and the proved bytes cannot change it. */
  private knownSpread: Answer<0 | 1 | 2> | undefined

  private constructor(
    bytes: AccountBytes,
    start: number,
    end: number,
    lowerCaseHandles: boolean,
    chunkBytes: number,
  ) {
    this.bytes = bytes
    this.start = start
    this.end = end
    this.lowerCaseHandles = lowerCaseHandles
    this.chunkBytes = chunkBytes
  }

  /**
   * The index of the members of an `accounts` object, bytes [start, end) of `proved` (empty for no
   * accounts), or undefined when they are not in the helper's layout. Questions read `later`, which must
   * hold the same bytes. `proofs`: proofs remembered for this file (layout-proofs.ts), used and added to.
   * `chunkBytes`: how much text is decoded at a time (small in tests, to reach every edge).
   */
  static of(
    proved: ByteSource,
    start: number,
    end: number,
    later: AccountBytes,
    proofs?: LayoutProofs,
    chunkBytes = CHUNK_BYTES,
  ): AccountIndex | undefined {
    if (start === end) return new AccountIndex(later, start, end, true, chunkBytes)
    if (!proved.subarray(start, start + KEY_LINE.length).equals(KEY_LINE)) return undefined
    const known = proofs?.known(start, end)
    if (known) return new AccountIndex(later, start, end, known.lowerCaseHandles, chunkBytes)
    let lowerCaseHandles = true
    for (const chunk of accountChunks(proved, start, end, chunkBytes)) {
      if (!chunk) return undefined
      // The stricter rule first: one search of the text when every handle is in lower case.
      if (!lowerCaseHandles || NOT_AN_ACCOUNT_IN_LOWER_CASE.test(chunk.text)) {
        if (NOT_AN_ACCOUNT.test(chunk.text)) return undefined
        lowerCaseHandles = false
      }
    }
    proofs?.remember(start, end, {lowerCaseHandles})
    return new AccountIndex(later, start, end, lowerCaseHandles, chunkBytes)
  }

  /** How many accounts, as far as choosing needs: 0, 1 or 2 for several. */
  spread(): Answer<0 | 1 | 2> {
    if (this.start === this.end) return 0
    return (this.knownSpread ??= this.bytes.read((bytes) => {
      const second = this.keyLineAfter(bytes, this.start)
      if (second === -1) return 1
      // Two different keys are two accounts; the first key written again needs them counted whole.
      return this.keyAt(bytes, this.start) === this.keyAt(bytes, second) ? UNANSWERED : 2
    }))
  }

  /** The only account, when spread() is 1. */
  only(): Answer<{key: string; account: Account}> {
    return this.bytes.read((bytes) => {
      const key = this.keyAt(bytes, this.start)
      return {key, account: this.accountAt(bytes, this.start, key)}
    })
  }

  /** The account stored under `key` (own keys only), as `accounts[key]` gives it. */
  byKey(key: string): Answer<Account | undefined> {
    if (!PLAIN_TEXT.test(key)) return undefined // such a key is not in these bytes
    return this.bytes.read((bytes) => {
      const at = this.lastOf(bytes, keyLine(key)) // a key written twice holds its last value
      return at === -1 ? undefined : this.accountAt(bytes, at, key)
    })
  }

  /**
   * The first account (in the parsed object's order) whose handle or DID is `identity`, found by
   * `matches` (accountMatchesIdentity) among the accounts whose lines the search finds.
   */
  find(
    identity: string,
    isDid: boolean,
    matches: (account: Account) => boolean,
  ): Answer<{key: string; account: Account} | undefined> {
    let needle: Buffer
    /** From where the needle is found to its account's key line: the lines above it. */
    let linesAbove: number
    if (isDid) {
      // Every DID equal to it after normalising ends in `:` and the rest, exactly; the line after a DID's is the secret's.
      const rest = identity.split(':').slice(2).join(':')
      if (rest === '') return UNANSWERED
      if (!PLAIN_TEXT.test(rest)) return undefined // no DID in these bytes ends so
      needle = Buffer.from(`:${rest}",\n          "device_secret": "`, 'latin1')
      linesAbove = 2
    } else {
      const wanted = identity.toLowerCase().replace(/^@/, '')
      if (!PLAIN_TEXT.test(wanted)) return undefined // no handle in these bytes folds to it
      if (!this.lowerCaseHandles) return this.findHandleInAnyCase(wanted, matches)
      needle = Buffer.from(`\n          "handle": "${wanted}",\n`, 'latin1')
      linesAbove = 0
    }
    return this.bytes.read((bytes) => {
      const starts: number[] = []
      for (let at = bytes.indexOf(needle, this.start); at !== -1 && at < this.end;) {
        let start = at
        for (let line = 0; line <= linesAbove; line++) start = bytes.lastIndexOf(NEWLINE, start - 1)
        starts.push(start)
        at = bytes.indexOf(needle, at + 1)
      }
      return this.firstMatching(bytes, starts, matches)
    })
  }

  /** find() for a handle where some handle has an upper-case letter: each chunk of text searched in every case. */
  private findHandleInAnyCase(
    wanted: string,
    matches: (account: Account) => boolean,
  ): Answer<{key: string; account: Account} | undefined> {
    const search = new RegExp(String.raw`\n {10}"handle": "${escapeRegExp(wanted)}"`, 'gi')
    return this.bytes.read((bytes) => {
      const starts: number[] = []
      for (const chunk of accountChunks(bytes, this.start, this.end, this.chunkBytes)) {
        if (!chunk) return UNANSWERED // not the bytes that were proved
        // The key line is the line above the handle's.
        for (let found = search.exec(chunk.text); found; found = search.exec(chunk.text))
          starts.push(chunk.position + chunk.text.lastIndexOf('\n', found.index - 1))
      }
      return this.firstMatching(bytes, starts, matches)
    })
  }

  /**
   * Of the accounts whose key lines start at `starts`, the first in the parsed object's order that
   * `matches`. A key written twice: its value is the last one, its place in the order the first one.
   */
  private firstMatching(
    bytes: ByteSource,
    starts: number[],
    matches: (account: Account) => boolean,
  ): {key: string; account: Account} | undefined {
    let best: {order: number; key: string; account: Account} | undefined
    for (const start of starts) {
      const key = this.keyAt(bytes, start)
      const line = keyLine(key)
      if (this.lastOf(bytes, line) !== start) continue // the later value is a start of its own
      const account = this.accountAt(bytes, start, key)
      if (!matches(account)) continue
      // Its place in the order matters only against another match (a search of the bytes before it).
      const order = starts.length === 1 ? start : bytes.indexOf(line, this.start)
      if (!best || order < best.order) best = {order, key, account}
    }
    return best && {key: best.key, account: best.account}
  }

  /** The key line after the one at `start`, or -1. */
  private keyLineAfter(bytes: ByteSource, start: number): number {
    const next = bytes.indexOf(KEY_LINE, start + 1)
    return next < this.end ? next : -1
  }

  /** Where `line` starts for the last time in the accounts, or -1. */
  private lastOf(bytes: ByteSource, line: Buffer): number {
    const at = bytes.lastIndexOf(line, this.end - line.length)
    return at < this.start ? -1 : at
  }

  /** The key of the key line at `start`. */
  private keyAt(bytes: ByteSource, start: number): string {
    const from = start + KEY_LINE.length
    return bytes.subarray(from, bytes.indexOf(0x22, from)).toString('latin1')
  }

  /**
   * The account whose key line is at `start`, parsed alone. Its text is proved again (one account):
   * a file edited in place too fast for its times to change is then seen, not parsed.
   */
  private accountAt(bytes: ByteSource, start: number, key: string): Account {
    const end = bytes.indexOf(ACCOUNT_CLOSER, start) + ACCOUNT_CLOSER.length
    const text = bytes.subarray(start, end).toString('latin1')
    if (end < ACCOUNT_CLOSER.length || NOT_AN_ACCOUNT.test(text))
      throw new FileChangedError('the account file changed while it was read')
    const member = JSON.parse(`{${text}}`) as Record<string, Account>
    const account = member[key]!
    account.did ??= ''
    return account
  }
}

/**
 * The accounts in bytes [start, end) as text, whole accounts of about `chunkBytes` at a time, each piece
 * with where it starts (the comma before the next piece left out); undefined for a piece that is not
 * whole accounts (one longer than a chunk, or no comma before the next key line).
 */
function* accountChunks(
  bytes: ByteSource,
  start: number,
  end: number,
  chunkBytes: number,
): Generator<{text: string; position: number} | undefined> {
  for (let position = start; position < end;) {
    const view = bytes.subarray(position, Math.min(end, position + chunkBytes))
    if (position + view.length === end) {
      yield {text: view.toString('latin1'), position}
      return
    }
    // Up to the last key line in the view.
    const length = view.lastIndexOf(KEY_LINE)
    if (length <= 0 || view[length - 1] !== 0x2c) {
      yield undefined
      return
    }
    yield {text: view.toString('latin1', 0, length - 1), position}
    position += length
  }
}

const keyLine = (key: string) => Buffer.from(`${KEY_LINE.toString('latin1')}${key}": {\n`, 'latin1')

function escapeRegExp(text: string): string {
  return text.replaceAll(/[\\^$.*+?()[\]{}|/-]/g, String.raw`\$&`)
}
