/**
 * A JSON.parse error said without quoting the input. V8's "Unexpected token" messages carry an excerpt
 * of the text around the token, and in an account file or a `store` request that text is often a
 * secret; error lines go to terminals and CI logs, so only the position is kept.
 */
export function describeJsonSyntaxError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const position = /at position \d+(?: \(line \d+ column \d+\))?/.exec(message)
  if (/^Unexpected end of JSON input/.test(message)) return 'it ends too early'
  if (position)
    return message.slice(0, message.indexOf(position[0]) + position[0].length).replace(/ in JSON at/, ' at')
  const token = /^Unexpected (token|non-whitespace character|number|string)/.exec(message)
  return token ? `unexpected ${token[1]}` : 'malformed JSON'
}
