/** Semantic version comparison, enough for release numbers like `1.2.3` and `1.3.0-beta.2`. */

interface Parsed {
  core: number[]
  prerelease: string[]
}

function parse(version: string): Parsed | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(version.trim())
  if (!match) return undefined
  return {
    core: [Number(match[1]), Number(match[2]), Number(match[3])],
    prerelease: match[4] ? match[4].split('.') : [],
  }
}

export function isVersion(text: string): boolean {
  return parse(text) !== undefined
}

function comparePrereleasePart(a: string, b: string): number {
  const aNumeric = /^\d+$/.test(a)
  const bNumeric = /^\d+$/.test(b)
  if (aNumeric && bNumeric) return Math.sign(Number(a) - Number(b))
  if (aNumeric) return -1
  if (bNumeric) return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** Negative when a < b, zero when equal, positive when a > b; undefined when either is not a version. */
export function compareVersions(a: string, b: string): number | undefined {
  const left = parse(a)
  const right = parse(b)
  if (!left || !right) return undefined
  for (let i = 0; i < 3; i++) {
    const difference = left.core[i]! - right.core[i]!
    if (difference !== 0) return Math.sign(difference)
  }
  if (left.prerelease.length === 0 || right.prerelease.length === 0)
    return Math.sign(right.prerelease.length - left.prerelease.length) // a release outranks its prereleases
  const length = Math.max(left.prerelease.length, right.prerelease.length)
  for (let i = 0; i < length; i++) {
    if (left.prerelease[i] === undefined) return -1
    if (right.prerelease[i] === undefined) return 1
    const difference = comparePrereleasePart(left.prerelease[i]!, right.prerelease[i]!)
    if (difference !== 0) return difference
  }
  return 0
}

export function isNewer(candidate: string, current: string): boolean {
  return (compareVersions(candidate, current) ?? 0) > 0
}
