import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {homedir} from 'node:os'

import {PeopleCommand} from '../base/people-command.ts'
import {listRegistries} from '../lib/config/registry-entries.ts'
import {type ConfigureDockerOutput, configureDockerFor} from '../lib/docker-config/configure-docker.ts'
import {dockerConfigPath} from '../lib/docker-config/docker-config-file.ts'
import {checkHelperOnPath} from '../lib/docker-config/helper-on-path.ts'
import {NODE_FLOOR_TEXT} from '../lib/node-floor.ts'
import {BIN} from '../lib/product.ts'

export type {ConfigureDockerOutput} from '../lib/docker-config/configure-docker.ts'

export default class ConfigureDocker extends PeopleCommand {
  static override summary = 'Point Docker at this helper for atcr.io and your registries.'
  static override description = `Adds "credHelpers": {"<host>": "atcr"} entries to $DOCKER_CONFIG/config.json (default ~/.docker/config.json), keeping everything else in the file.
Without REGISTRY arguments: atcr.io and every registry you have logged in to.
An entry that names another credential helper is replaced only after you agree (at a terminal) or with --force.
Also checks that Docker can start ${BIN} from PATH with Node.js ${NODE_FLOOR_TEXT}.`
  static override examples = [
    {description: 'atcr.io and every registry you use', command: '<%= config.bin %> configure-docker'},
    {
      description: 'Only some registries',
      command: '<%= config.bin %> configure-docker buoy.cr localhost:5000',
    },
    {
      description: 'Show the change without writing it',
      command: '<%= config.bin %> configure-docker --dry-run',
    },
  ]
  static override strict = false
  static override args = {
    registry: Args.string({
      description: 'registry hosts (several allowed), like atcr.io buoy.cr',
      required: false,
      ignoreStdin: true, // never read hosts from a pipe (see RegistryCommand)
    }),
  }
  static override enableJsonFlag = true
  static override flags = {
    'dry-run': Flags.boolean({summary: 'Show the change to config.json and write nothing.'}),
    force: Flags.boolean({
      char: 'f',
      summary: "Replace another credential helper's entry for these registries without asking.",
    }),
  }

  async run(): Promise<ConfigureDockerOutput> {
    const {argv, flags} = await this.parse(ConfigureDocker)
    const answer = await configureDockerFor({
      file: dockerConfigPath(process.env, homedir()),
      registries: argv as string[],
      savedHosts: () => listRegistries(this.loadAccounts()).map((registry) => registry.host),
      dryRun: Boolean(flags['dry-run']),
      force: Boolean(flags.force),
      prompter: this.prompter(),
      checkHelper: checkHelperOnPath,
      helperEnvironment: {env: process.env, platform: process.platform, runningNode: process.execPath},
    })
    if (answer.declined) {
      for (const line of answer.notes) this.say(line)
      this.exit(1)
    }
    for (const line of answer.result) this.log(line) // the result: stdout, muted by --json
    for (const line of answer.notes) this.say(line)
    return answer.output
  }
}
