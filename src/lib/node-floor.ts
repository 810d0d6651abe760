/**
 * The oldest Node.js the helper runs on, and why. Proxy support (HTTPS_PROXY, NO_PROXY) rests on the
 * `proxyEnv` option of http.Agent/https.Agent (src/lib/appview/client.ts,
 * src/lib/session-check/check-secret-lean.ts), added in Node.js 24.5.0 and back-ported to 22.21.0 (never
 * to 23). On an older Node that option is silently ignored, and an AppView behind a proxy would only ever
 * be "unreachable".
 *
 * src/entry.ts checks this first. package.json's `engines` states the same range
 * (test/protocol/old-node.test.ts holds them together).
 */

/** Per release line, the first release with `proxyEnv`; every line after the last one has it. */
const FLOORS = [
  {major: 22, minor: 21},
  {major: 24, minor: 5},
]

/** The same floor as an npm range, as package.json's `engines.node` must say it. */
export const NODE_ENGINES_RANGE = FLOORS.map(
  ({major, minor}, index) => `${index === FLOORS.length - 1 ? '>=' : '^'}${major}.${minor}.0`,
).join(' || ')

/** For people, in help text and errors: "22.21+ or 24.5+" (a later 22.x, or any release from 24.5 on). */
export const NODE_FLOOR_TEXT = FLOORS.map(({major, minor}) => `${major}.${minor}+`).join(' or ')

/** Whether a Node.js version (`24.5.0`, `v22.21.1`) has what the helper needs. */
export function nodeMeetsFloor(version: string): boolean {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number)
  if (!Number.isInteger(major) || !Number.isInteger(minor)) return false
  const last = FLOORS[FLOORS.length - 1]!
  if (major! > last.major) return true
  for (const floor of FLOORS) if (floor.major === major) return minor! >= floor.minor
  return false
}

/** The one line an unsupported Node gets, naming the node that ran and what to install. */
export function unsupportedNodeMessage(execPath: string, version: string): string {
  return `docker-credential-atcr needs Node.js ${NODE_FLOOR_TEXT}, but ${execPath} is ${version}; install a current Node.js and try again.`
}
