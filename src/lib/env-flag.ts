/**
 * The one reading of an on/off environment variable (ATCR_DEBUG, ATCR_SESSION_CHECK,
 * ATCR_NO_UPDATE_NOTIFIER, CI): unset or empty means "not set" (the variable's default); `0`, `false`,
 * `no` and `off`, in any case and with spaces around, mean off; anything else means on.
 */
const OFF = new Set(['0', 'false', 'no', 'off'])

export function envFlag(env: NodeJS.ProcessEnv, name: string, whenNotSet = false): boolean {
  const value = (env[name] ?? '').trim().toLowerCase()
  if (value === '') return whenNotSet
  return !OFF.has(value)
}
