/**
 * Version comparison for release numbers (`1.2.3`, `1.3.0-beta.2`): semver's rules, through the semver
 * package (the one npm and oclif use), so that what counts as newer here is what npm would install.
 */
// Two functions, not the index: semver's index loads all of its some 45 modules, and the update notice
// (a prerun hook of every people command) only compares two versions.
import compare from 'semver/functions/compare.js'
import valid from 'semver/functions/valid.js'

export function isVersion(text: string): boolean {
  return valid(text.trim()) !== null
}

/** Negative when a < b, zero when equal, positive when a > b; undefined when either is not a version. */
export function compareVersions(a: string, b: string): number | undefined {
  const left = valid(a.trim())
  const right = valid(b.trim())
  if (left === null || right === null) return undefined
  return compare(left, right)
}

export function isNewer(candidate: string, current: string): boolean {
  return (compareVersions(candidate, current) ?? 0) > 0
}
