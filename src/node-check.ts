/**
 * The first thing bin/run.js runs: refuse a Node.js without what the helper needs
 * (src/lib/node-floor.ts) in one clear line, before any module an old Node could not parse is loaded.
 * Bundled on its own into dist/node-check.js for old targets (npm run build:entry).
 */
import {nodeMeetsFloor, unsupportedNodeMessage} from './lib/node-floor.ts'
import {isProtocolVerb} from './lib/protocol/verb-names.ts'

/** True when this Node.js can run the helper; otherwise says why and sets exit code 1. */
export function nodeIsSupported(): boolean {
  if (nodeMeetsFloor(process.versions.node)) return true
  const args = process.argv.slice(2)
  // Container clients show a helper's stdout as the error; people read stderr.
  const stream = args.length === 1 && isProtocolVerb(args[0]) ? process.stdout : process.stderr
  stream.write(`${unsupportedNodeMessage(process.execPath, process.version)}\n`)
  process.exitCode = 1
  return false
}
