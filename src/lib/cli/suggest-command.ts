/**
 * What to say when the typed command does not exist: `stauts` → "Did you mean status?", with the whole
 * command line to paste back. Never asks: a script gets its answer and exit code at once.
 */
import {rewriteArgv, shellWords} from './normalize-argv.ts'

export interface UnknownCommandAnswer {
  /** Run this argv instead (`-v` → `version`). */
  run?: string[]
  /** Otherwise, the one-line error to print. */
  message?: string
  /** Its code under --json: `usage` for extra words after a command, else `command_not_found`. */
  code?: 'usage' | 'command_not_found'
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({length: a.length + 1}, (_, i) =>
    Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
    }
  }
  return d[a.length]![b.length]!
}

/** The closest command, if it is close enough to be a typo: at most 2 edits, and fewer than half the word. */
export function closestCommand(
  words: readonly string[],
  commands: readonly string[],
): {command: string; rest: string[]} | undefined {
  let best: {command: string; rest: string[]; distance: number} | undefined
  for (const command of commands) {
    const length = command.split(' ').length
    const typed = words.slice(0, length).join(' ')
    const distance = editDistance(typed, command)
    // An exact match is not the typo: `plugins instal` is not `plugins` with a stray word.
    if (distance === 0 || distance > 2 || distance * 2 >= command.length) continue
    if (
      !best ||
      distance < best.distance ||
      (distance === best.distance && length > best.command.split(' ').length)
    )
      best = {command, rest: words.slice(length), distance}
  }
  return best && {command: best.command, rest: best.rest}
}

/** The closest of `spellings` to `typed` (a flag: `--dryrun` → `--dry-run`), by the same rule as commands. */
export function closestSpelling(typed: string, spellings: readonly string[]): string | undefined {
  return closestCommand([typed], spellings)?.command
}

/**
 * `words`: the command line as typed (without the binary); `commands`: the visible commands as people
 * type them (`status`, `plugins install`).
 */
export function answerUnknownCommand(
  words: readonly string[],
  commands: readonly string[],
  bin: string,
): UnknownCommandAnswer {
  const routed = rewriteArgv(words)
  if (!Array.isArray(routed)) {
    return {
      message: `"${shellWords(words.slice(0, 2))}" is how gh spells it; here it is: ${bin} ${routed.suggest}`,
    }
  }
  if (routed.join('\0') !== words.join('\0')) return {run: routed}
  const typed = words[0] ?? ''
  // oclif glues the words after a command that takes no argument into the id (`version:extra`).
  const exact = commands
    .filter((command) => words.slice(0, command.split(' ').length).join(' ') === command)
    .sort((a, b) => b.length - a.length)[0]
  if (exact !== undefined) {
    const extra = words.slice(exact.split(' ').length)
    return {
      code: 'usage',
      message: `unexpected argument${extra.length === 1 ? '' : 's'} ${extra.map((word) => JSON.stringify(word)).join(', ')} for ${exact}. See: ${bin} ${exact} --help`,
    }
  }
  const closest = closestCommand(words, commands)
  if (!closest) return {message: `"${typed}" is not a ${bin} command. See: ${bin} --help`}
  const typedCommand = words.slice(0, closest.command.split(' ').length).join(' ')
  return {
    message: `"${typedCommand}" is not a ${bin} command. Did you mean ${closest.command}? Run: ${bin} ${shellWords([...closest.command.split(' '), ...closest.rest])}`,
  }
}
