/**
 * oclif `command_not_found` hook: `-v` runs `version`; `auth login` (gh's spelling) and typos
 * (`stauts`) get one `Error: …` line naming the command to run, exit 2. Decisions live in
 * src/lib/cli/suggest-command.ts; the line is printed by src/lib/errors.
 */
import * as Errors from '@oclif/core/errors'
import type {Hook} from '@oclif/core/hooks'

import {answerUnknownCommand} from '../lib/cli/suggest-command.ts'
import {reportError} from '../lib/errors/report-error.ts'

const hook: Hook<'command_not_found'> = async function ({argv, config, id}) {
  // oclif glues the typed words into the id with ':' (`stauts:localhost:5000`); the process's own argv
  // keeps them apart when it is the command line being run.
  const typed = process.argv.slice(2)
  const words = typed.join(':').startsWith(id) ? typed : [...id.split(':'), ...(argv ?? [])]
  const commands = config.commands
    .filter((command) => !command.hidden)
    .flatMap((command) => [command.id, ...command.aliases])
    .map((commandId) => commandId.replaceAll(':', ' '))
  const answer = answerUnknownCommand(words, commands, config.bin)
  if (answer.run) return config.runCommand(answer.run[0]!, answer.run.slice(1))
  const code = reportError(
    new Errors.CLIError(answer.message!, {
      exit: 2,
      code: answer.code ?? 'command_not_found',
    }),
    {
      bin: config.bin,
      json: words.includes('--json'),
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
    },
  )
  this.exit(code)
}

export default hook
