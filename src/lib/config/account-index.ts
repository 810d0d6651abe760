/**
 * One registry's accounts answered from its text, for `get` with thousands of accounts in the registry
 * it asks about (issue 20): parsing and checking 10 000 accounts to use one cost `get` about as much as
 * starting Node. Instead, the accounts' text is proved to be in the layout serializeAccountFile writes,
 * with only the fields the helper writes, by one regular-expression search; then a lookup finds its
 * account's lines by searching the text and parses that account's object alone.
 *
 * The proof is what makes the answers the full parse's answers: text that passes it is a JSON object
 * whose every member is an account that validateRegistryEntry accepts, written with no escapes (so a
 * string's text is its value) and in ASCII (so a handle's case folds as toLowerCase folds it). Text
 * that fails it, and the rare questions the text does not answer cheaply (a key written twice, a DID
 * with nothing after its method), go to the full parse, which also says exactly what is wrong.
 */
import type {Account, RegistryEntry} from './account-file.ts'

/** The index of a registry whose accounts are not parsed yet; parsing them (reading `accounts`) drops it. */
export const accountIndexes = new WeakMap<RegistryEntry, AccountIndex>()

/** A string's text with no escapes and no control characters: its value, as JSON.stringify writes it. */
const PLAIN = String.raw`[^"\\\x00-\x1f]`
/** A key line's opening: `\n` and a member of `accounts` (depth 4). */
const KEY_LINE = '\n        "'
const FIELD = (name: string, content: string) => String.raw`\n {10}"${name}": "${PLAIN}${content}"`

/**
 * The first key line that does not open a whole account followed by the next key line or the end of
 * the text: none means the text is a run of accounts as the helper writes them (an all-digit key would
 * come first in JSON.parse's order, whatever its place: it is refused too).
 */
const NOT_AN_ACCOUNT = new RegExp(
  String.raw`\n {8}"(?!(?!\d+")${PLAIN}*": \{` +
    `${FIELD('handle', '+')},${FIELD('did', '*')},${FIELD('device_secret', '+')}` +
    `(?:,${FIELD('appview_url', '*')})?` +
    String.raw`\n {8}\}(?:,\n {8}"|$))`,
  'g',
)

/** Questions the text cannot answer cheaply: the caller asks the parsed accounts instead. */
export const UNANSWERED = Symbol('unanswered')
type Answer<T> = T | typeof UNANSWERED

export class AccountIndex {
  /**
   * `text`: the members of an `accounts` object, from the newline before the first key to the end of
   * the last account's `}` (empty for no accounts), as proved by AccountIndex.of.
   */
  private readonly text: string

  private constructor(text: string) {
    this.text = text
  }

  /** The index of the text of an `accounts` object's members, or undefined when it is not in the helper's layout. */
  static of(text: string): AccountIndex | undefined {
    if (text === '') return new AccountIndex(text)
    // eslint-disable-next-line no-control-regex
    if (!text.startsWith(KEY_LINE) || /[^\x00-\x7f]/.test(text)) return undefined
    NOT_AN_ACCOUNT.lastIndex = 0
    return NOT_AN_ACCOUNT.test(text) ? undefined : new AccountIndex(text)
  }

  /** How many accounts, as far as choosing needs: 0, 1 or 2 for several. */
  spread(): Answer<0 | 1 | 2> {
    if (this.text === '') return 0
    if (this.text.indexOf(KEY_LINE, 1) === -1) return 1
    // Two key lines: two accounts, unless the first key is written again (then count them whole).
    const first = this.keyLineAt(0)
    return this.text.lastIndexOf(keyLine(first)) === 0 ? 2 : UNANSWERED
  }

  /** The only account, when spread() is 1. */
  only(): {key: string; account: Account} {
    const key = this.keyLineAt(0)
    return {key, account: this.accountAt(0, key)}
  }

  /** The account stored under `key` (own keys only), as `accounts[key]` gives it. */
  byKey(key: string): Account | undefined {
    if (JSON.stringify(key) !== `"${key}"`) return undefined // such a key is not in this text
    const at = this.text.lastIndexOf(keyLine(key)) // a key written twice holds its last value
    return at === -1 ? undefined : this.accountAt(at, key)
  }

  /**
   * The first account (in the parsed object's order) whose handle or DID is `identity`, found by
   * `matches` (accountMatchesIdentity) among the accounts whose lines the text search finds.
   */
  find(
    identity: string,
    isDid: boolean,
    matches: (account: Account) => boolean,
  ): Answer<{key: string; account: Account} | undefined> {
    let search: RegExp
    if (isDid) {
      // Every DID equal to it after normalising ends in `:` and the rest, exactly.
      const rest = identity.split(':').slice(2).join(':')
      if (rest === '') return UNANSWERED
      search = new RegExp(String.raw`\n {10}"did": "${PLAIN}*:${escapeRegExp(rest)}"`, 'g')
    } else {
      const wanted = identity.toLowerCase().replace(/^@/, '')
      // eslint-disable-next-line no-control-regex
      if (/[^\x00-\x7f]/.test(wanted)) return undefined // no ASCII handle folds to it
      search = new RegExp(String.raw`\n {10}"handle": "${escapeRegExp(wanted)}"`, 'gi')
    }
    let best: {order: number; key: string; account: Account} | undefined
    for (let found = search.exec(this.text); found; found = search.exec(this.text)) {
      const start = this.text.lastIndexOf(KEY_LINE, found.index)
      const key = this.keyLineAt(start)
      const line = keyLine(key)
      // A key written twice: its value is the last one, its place in the order the first one.
      if (this.text.lastIndexOf(line) !== start) continue
      const account = this.accountAt(start, key)
      const order = this.text.indexOf(line)
      if (matches(account) && (!best || order < best.order)) best = {order, key, account}
    }
    return best && {key: best.key, account: best.account}
  }

  /** The key of the key line at `start`. */
  private keyLineAt(start: number): string {
    return this.text.slice(start + KEY_LINE.length, this.text.indexOf('": {\n', start))
  }

  /** The account whose key line is at `start`, parsed alone. */
  private accountAt(start: number, key: string): Account {
    const end = this.text.indexOf('\n        }', start) + '\n        }'.length
    const member = JSON.parse(`{${this.text.slice(start, end)}}`) as Record<string, Account>
    const account = member[key]!
    account.did ??= ''
    return account
  }
}

const keyLine = (key: string) => `${KEY_LINE}${key}": {\n`

function escapeRegExp(text: string): string {
  return text.replaceAll(/[\\^$.*+?()[\]{}|/-]/g, String.raw`\$&`)
}
