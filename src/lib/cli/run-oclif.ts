/**
 * Every run that is not a protocol verb: oclif, with the project's spellings (`-v`, `--version`) and the
 * project's one error reporter for what oclif itself throws (unknown flags, a failing plugin command),
 * so that no error reaches a person in oclif's own format.
 *
 * Loaded by src/entry.ts only on this path (dist/lib/cli/run-oclif.js, not part of the get bundle).
 */
import {run} from '@oclif/core/run'

import {reportEntryError} from '../errors/report-error.ts'
import {BIN} from '../product.ts'
import {rewriteArgv} from './normalize-argv.ts'

export async function runOclif(args: readonly string[], entryUrl: string): Promise<void> {
  const routed = rewriteArgv(args) // `--version` and `-v` → version; `auth login` is the not-found hook's
  const argv = Array.isArray(routed) ? routed : [...args]
  try {
    // Not followed by oclif's flush(): nothing on this path calls process.exit, so Node writes out what is
    // pending before it exits; and flush() waits for a 'drain' that a closed stdout (`| head -1`) never
    // emits, which ended the process with exit code 13 and "unsettled top-level await".
    await run(argv, entryUrl)
  } catch (error) {
    process.exitCode = reportEntryError(error, argv, BIN)
  }
}
