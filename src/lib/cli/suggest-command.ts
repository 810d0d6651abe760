/**
 * What to say when the typed command does not exist: `stauts` → "Did you mean status?", with the whole
 * command line to paste back. Never asks: a script gets its answer and exit code at once.
 */
import {closestCommand} from '../text/closest-spelling.ts'
import {rewriteArgv, shellWords} from './normalize-argv.ts'

export interface UnknownCommandAnswer {
  /** Run this argv instead (`-v` → `version`). */
  run?: string[]
  /** Otherwise, the one-line error to print. */
  message?: string
  /** Its code under --json: `usage` for extra words after a command, else `command_not_found`. */
  code?: 'usage' | 'command_not_found'
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
