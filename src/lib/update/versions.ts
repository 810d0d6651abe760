/**
 * Version comparison for release numbers (`1.2.3`, `1.3.0-beta.2`): semver's rules, through the semver
 * package (the one npm and oclif use), so that what counts as newer here is what npm would install.
 */
import semver from 'semver'

export function isVersion(text: string): boolean {
  return semver.valid(text.trim()) !== null
}

/** Negative when a < b, zero when equal, positive when a > b; undefined when either is not a version. */
export function compareVersions(a: string, b: string): number | undefined {
  const left = semver.valid(a.trim())
  const right = semver.valid(b.trim())
  if (left === null || right === null) return undefined
  return semver.compare(left, right)
}

export function isNewer(candidate: string, current: string): boolean {
  return (compareVersions(candidate, current) ?? 0) > 0
}
