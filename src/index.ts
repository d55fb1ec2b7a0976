/**
 * dbscope: one pool per database per process, leak-proof transaction scopes, and a guard — on Kysely.
 *
 * @example
 * import { defineDb } from 'dbscope'
 * export const db = defineDb<DB>({ url: process.env.DATABASE_URL, pool: { max: 10 } })
 * await db.scope(async (tx) => tx.insertInto('users').values({ email, name }).execute())
 */
export { defineDb, Db, type DbStats } from './db.js'
export { disposeAll, drainOnSignals, type ShutdownOptions } from './engine.js'
export type { Owner } from './guard.js'
export { ScopeTransaction, ManualTransaction, isRetryableByDefault, type ScopeOptions, type RetryOptions, type Propagation } from './scope.js'
export type { DbConfig, PoolConfig, GuardConfig, Logger } from './config.js'
export type { TypeOptions } from './type-options.js'
export { PGliteDialect } from './dialects/pglite.js'
export {
  DbscopeError,
  ConfigError,
  PoolTimeoutError,
  EngineDisposedError,
  ForeignOwnerError,
  ConnectionBudgetError,
  ScopeEndedError,
  ScopeTimeoutError,
  TransactionAbortedError,
  ForeignConnectionError,
  PoolerUnsupportedError,
  QueryError,
  SerializationFailureError,
  DeadlockError,
  LockTimeoutError,
  UniqueViolationError,
  ForeignKeyViolationError,
  NotNullViolationError,
  StatementTimeoutError,
  ConnectionLostError,
} from './errors.js'
export { ConnectError } from './engine.js'
