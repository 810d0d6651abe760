/**
 * Command lines people type from habit, routed before oclif looks for a command:
 * - `--version` and `-v` print what `version` prints (oclif would answer `--version` with its own user
 *   agent, and know nothing of `-v`);
 * - gh's `auth login` / `auth logout` / `auth status` / `auth switch` are this helper's top-level
 *   commands: suggested, not run, so that a script learns the right spelling.
 */

/** gh's `auth <verb>` spellings that are plain `<verb>` here. */
const GH_AUTH_VERBS = ['login', 'logout', 'status', 'switch']

/** The argv to run, or a command line to suggest instead (without the binary name). */
export function rewriteArgv(args: readonly string[]): string[] | {suggest: string} {
  const [first, ...rest] = args
  if (first === '--version' || first === '-v') return ['version', ...rest]
  if (first === 'auth' && rest[0] !== undefined && GH_AUTH_VERBS.includes(rest[0])) {
    return {suggest: shellWords(rest)}
  }
  return [...args]
}

/** Words as a POSIX shell reads them back: quoted only when they need it. */
export function shellWords(words: readonly string[]): string {
  return words
    .map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`))
    .join(' ')
}
