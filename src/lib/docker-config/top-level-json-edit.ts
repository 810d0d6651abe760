/**
 * Replace or add one top-level key of a JSON object's text, leaving every other byte as it was: a
 * person's compact `"auths": {…}` or hand-made layout survives `configure-docker`, which changes only
 * `credHelpers`.
 *
 * Hand-written rather than a JSON editing library (Microsoft's jsonc-parser does this and more): the text
 * is already known to be valid JSON (JSON.parse read it), so finding a top-level key's value is a scan
 * that skips strings and counts brackets; and the caller checks the result parses to the intended value.
 */

/** Where a top-level value lies in `text`: [start, end) of the value, and where its member began. */
interface MemberSpan {
  valueStart: number
  valueEnd: number
}

const WHITESPACE = /\s/

/** The end (exclusive) of the JSON string starting at `start` (a `"`). */
function stringEnd(text: string, start: number): number {
  let index = start + 1
  while (index < text.length) {
    const char = text[index]
    if (char === '\\') index += 2
    else if (char === '"') return index + 1
    else index++
  }
  return text.length
}

/** The end (exclusive) of the JSON value starting at `start`. */
function valueEnd(text: string, start: number): number {
  const first = text[start]
  if (first === '"') return stringEnd(text, start)
  if (first !== '{' && first !== '[') {
    let index = start
    while (index < text.length && !/[\s,}\]]/.test(text[index]!)) index++
    return index
  }
  let depth = 0
  let index = start
  while (index < text.length) {
    const char = text[index]!
    if (char === '"') {
      index = stringEnd(text, index)
      continue
    }
    if (char === '{' || char === '[') depth++
    else if (char === '}' || char === ']') {
      depth--
      if (depth === 0) return index + 1
    }
    index++
  }
  return text.length
}

function skipWhitespace(text: string, index: number): number {
  while (index < text.length && WHITESPACE.test(text[index]!)) index++
  return index
}

/** The value span of top-level `key` (the last one, as JSON.parse keeps), else undefined. */
function findMember(text: string, key: string): MemberSpan | undefined {
  let index = skipWhitespace(text, 0)
  if (text[index] !== '{') return undefined
  index++
  let found: MemberSpan | undefined
  for (;;) {
    index = skipWhitespace(text, index)
    if (text[index] !== '"') return found
    const keyEnd = stringEnd(text, index)
    const name = JSON.parse(text.slice(index, keyEnd)) as string
    index = skipWhitespace(text, keyEnd)
    if (text[index] !== ':') return found
    const valueStart = skipWhitespace(text, index + 1)
    const end = valueEnd(text, valueStart)
    if (name === key) found = {valueStart, valueEnd: end}
    index = skipWhitespace(text, end)
    if (text[index] !== ',') return found
    index++
  }
}

/** `value` as JSON nested one level into the top-level object, in the file's indentation. */
function nested(value: unknown, indentation: string): string {
  if (indentation === '') return JSON.stringify(value)
  return JSON.stringify(value, null, indentation).replaceAll('\n', `\n${indentation}`)
}

/**
 * `text` with top-level `key` set to `value`: the old value's bytes replaced (kept compact when it was
 * written on one line), or the member added after the last one. Undefined when that cannot be done by
 * an edit (an empty object, text that is not an object): the caller serializes the whole file then.
 */
export function setTopLevelMember(
  text: string,
  key: string,
  value: unknown,
  indentation: string,
): string | undefined {
  const member = findMember(text, key)
  if (member) {
    const old = text.slice(member.valueStart, member.valueEnd)
    const replacement = old.includes('\n') ? nested(value, indentation) : JSON.stringify(value)
    return text.slice(0, member.valueStart) + replacement + text.slice(member.valueEnd)
  }
  const close = text.lastIndexOf('}')
  if (close === -1) return undefined
  let last = close - 1
  while (last >= 0 && WHITESPACE.test(text[last]!)) last--
  if (last < 0 || text[last] === '{') return undefined
  const separator = indentation === '' ? '' : `\n${indentation}`
  const added = `,${separator}${JSON.stringify(key)}: ${nested(value, indentation)}`
  return (
    text.slice(0, last + 1) + (indentation === '' ? added.replace('": ', '":') : added) + text.slice(last + 1)
  )
}
