/**
 * dbscope: one pool per database per process, leak-proof transaction scopes, and a guard — on Kysely.
 *
 * @example
 * import { defineDb } from 'dbscope'
 * export const db = defineDb<DB>({ url: process.env.DATABASE_URL, pool: { max: 10 } })
 * await db.scope(async (tx) => tx.insertInto('users').values({ email, name }).execute())
 */
export { defineDb, Db, type DbStats, type DbContext } from './db.js'
export type { ListenOptions, ListenerStats } from './listen/listener.js'
export { disposeAll, drainOnSignals, type ShutdownOptions } from './engine/shutdown.js'
export type { Owner } from './guard.js'
export { ScopeTransaction, ManualTransaction } from './scope/transaction.js'
export type { TestTransaction } from './scope/test-transaction.js'
export { isRetryableByDefault } from './scope/retry.js'
export type { ScopeOptions, RetryOptions, Propagation, BeginOptions } from './scope/options.js'
export type { ContextOptions } from './scope/session-context.js'
export type { DbConfig, PoolConfig, GuardConfig, Logger, MetadataInput } from './config.js'
export type { ConnectionConfig, HostAndPort } from './connection-object.js'
export type { PasswordInput } from './password.js'
export type { SslOptions, Pem } from './tls/options.js'
export type { TypeOptions } from './types/type-options.js'
export type { DbgenMetadata, DbgenMetadataColumn, DbgenMetadataTable } from './types/metadata.js'
export type { PGliteInstance } from './dialects/pglite/session.js'
export { PGliteDialect } from './dialects/pglite/dialect.js'
export {
  DbscopeError,
  ConfigError,
  ConnectError,
  PoolTimeoutError,
  EngineDisposedError,
  ForeignOwnerError,
  ConnectionBudgetError,
  ScopeEndedError,
  ScopeTimeoutError,
  TransactionAbortedError,
  ForeignConnectionError,
  PoolerUnsupportedError,
  TransactionControlError,
  ValueParseError,
  StreamActiveError,
  TooManyParametersError,
  QueryError,
  type DriverErrorFields,
  SerializationFailureError,
  DeadlockError,
  LockTimeoutError,
  UniqueViolationError,
  ForeignKeyViolationError,
  NotNullViolationError,
  StatementTimeoutError,
  ConnectionLostError,
  StaleStatementError,
  ServerReadOnlyError,
  type DbscopeErrorCode,
  type QueryErrorCode,
} from './errors.js'
export type { HostFailure, HostFailureReason } from './host-failure.js'
