import type {AccountFile} from '../../src/lib/config/account-file.ts'

export declare const CRASH_REGISTRY: string
export declare function crashStep(accounts: AccountFile): void
