/**
 * The hook contract third-party plugins implement lives in src/lib/plugins/hook-contract.ts, where both
 * the oclif hooks here and src/lib/plugins import it; this name stays for anyone who imported it here.
 */
export * from '../lib/plugins/hook-contract.ts'
