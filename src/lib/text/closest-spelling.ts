/**
 * Which known spelling a typo meant (a command, a flag, a registry), by one rule: at most 2 edits, and
 * fewer than half the word. Used by the unknown-command answer, flag errors and account choice.
 */
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
