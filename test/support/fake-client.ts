// A stand-in for a container client: started with the argv of `docker push …` (argv0 = "docker"), it runs
// the helper as its child, exactly as Docker does, and relays its output and exit code.
import {spawnSync} from 'node:child_process'

const result = spawnSync(process.execPath, [process.env.FAKE_CLIENT_CLI!, process.env.FAKE_CLIENT_VERB!], {
  input: process.env.FAKE_CLIENT_INPUT ?? '',
  stdio: ['pipe', 'inherit', 'inherit'],
})
process.exitCode = result.status ?? 1
