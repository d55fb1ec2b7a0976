/**
 * Error classes with stable `code`s. Every message says what to do next, and none ever holds a password.
 *
 * @example
 * try { await db.scope(work) } catch (e) { if (e instanceof DbscopeError && e.retryable) retryLater() }
 */
import type { HostFailure } from './host-failure.js'

/** Every stable `code` a dbscope error can carry; switch on it, or catch the class of the same name. */
export type DbscopeErrorCode =
  | 'CONFIG'
  | 'CONNECT_FAILED'
  | 'POOL_TIMEOUT'
  | 'ENGINE_DISPOSED'
  | 'FOREIGN_OWNER'
  | 'CONNECTION_BUDGET'
  | 'SCOPE_ENDED'
  | 'SCOPE_TIMEOUT'
  | 'TRANSACTION_ABORTED'
  | 'FOREIGN_CONNECTION'
  | 'POOLER_UNSUPPORTED'
  | 'TRANSACTION_CONTROL'
  | 'VALUE_PARSE'
  | 'STREAM_ACTIVE'
  | 'TOO_MANY_PARAMETERS'
  | QueryErrorCode

/** Base class: `code` is stable across releases, `retryable` says whether re-running the unit of work may succeed. */
export class DbscopeError extends Error {
  readonly code: DbscopeErrorCode
  readonly retryable: boolean
  /** The error this one wraps (the driver's, for query errors); declared so that apps on an older `lib` can read it. */
  declare readonly cause?: unknown
  constructor(code: DbscopeErrorCode, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.retryable = options?.retryable ?? false
  }
  override get name(): string {
    return this.constructor.name
  }
}

/** A configuration mistake: bad URL, conflicting pool options, unknown dialect. */
export class ConfigError extends DbscopeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG', message, options)
  }
}

/**
 * A connection could not be opened (server down, refused, bad credentials, a password function that failed); the
 * message names the server, never the password. Retryable, except when a TLS check failed (the chain, the
 * certificate's dates, the host name) or the server refused the login with a fixed password, which retrying cannot
 * fix (a password function is asked again on the next connect, so its login failures stay retryable).
 */
export class ConnectError extends DbscopeError {
  /**
   * With a multi-host URL: why each host was not used, in the order they were tried. Retryable when at least one
   * host's reason can go away (refused, timeout, read-only, other); not when every host failed TLS or refused the
   * login with a fixed password.
   *
   * @example
   * catch (e) { if (e instanceof ConnectError) for (const h of e.hosts ?? []) log(h.host, h.reason) }
   */
  readonly hosts: readonly HostFailure[] | undefined
  constructor(message: string, cause: unknown, options?: { retryable?: boolean; hosts?: readonly HostFailure[] }) {
    super('CONNECT_FAILED', message, { cause, retryable: options?.retryable ?? true })
    this.hosts = options?.hosts
  }
}

/** No connection became free within `pool.acquireTimeoutMs`; the message shows the pool's state. */
export class PoolTimeoutError extends DbscopeError {
  constructor(message: string) {
    super('POOL_TIMEOUT', message, { retryable: true })
  }
}

/**
 * The engine was disposed: before the work started, while it waited for a connection, or while it ran (then
 * `dispose(graceMs)` cancelled it on the server after the grace; the driver's error is the `cause`). Not retryable:
 * the process is shutting down.
 */
export class EngineDisposedError extends DbscopeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ENGINE_DISPOSED', message, options)
  }
}

/** An engine was used from a process or thread other than the one that created it. */
export class ForeignOwnerError extends DbscopeError {
  constructor(message: string) {
    super('FOREIGN_OWNER', message)
  }
}

/** The pool would exceed the server's connection budget and `guard.budget` is `'throw'`. */
export class ConnectionBudgetError extends DbscopeError {
  constructor(message: string) {
    super('CONNECTION_BUDGET', message)
  }
}

/** A `tx` was used after its scope committed, rolled back or timed out. */
export class ScopeEndedError extends DbscopeError {
  constructor(message = 'This transaction scope has already ended; use the `tx` only inside its db.scope() callback.') {
    super('SCOPE_ENDED', message)
  }
}

/**
 * The scope ran past `timeoutMs` and was ended: nothing in it committed. Its running statement is cancelled and its
 * work rolled back in the background; a connection that does not answer within a short grace is destroyed instead.
 */
export class ScopeTimeoutError extends DbscopeError {
  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super('SCOPE_TIMEOUT', `The transaction scope exceeded its timeoutMs of ${timeoutMs} ms and was ended: nothing in it was committed. Raise timeoutMs, or do less inside the scope.`, {
      ...options,
      retryable: true,
    })
  }
}

/**
 * The transaction could not commit because a statement inside it failed and the error was caught: PostgreSQL aborts
 * the whole (sub)transaction on any error, MySQL on a deadlock, and a `'required'` inner scope that threw marks the
 * transaction it joined. The work was rolled back; the failure that caused it is the `cause`.
 */
export class TransactionAbortedError extends DbscopeError {
  constructor(cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause)
    super(
      'TRANSACTION_ABORTED',
      `The transaction was rolled back instead of committed: a statement in it failed earlier (${why}) and the error ` +
        'was caught. Let the error propagate, or run the statement that may fail in a nested db.scope() so that only ' +
        'its savepoint rolls back.',
      { cause, retryable: cause instanceof DbscopeError && cause.retryable },
    )
  }
}

/** A query through the root `db` while a scope of the same engine is active in this async context. */
export class ForeignConnectionError extends DbscopeError {
  constructor() {
    super(
      'FOREIGN_CONNECTION',
      'A query went through db.kysely while a db.scope() of the same database is active here; it runs on another ' +
        'connection, outside the transaction. Use the scope\'s `tx` instead.',
    )
  }
}

/**
 * A statement uses a session feature (session advisory lock, LISTEN, session SET, PREPARE, WITH HOLD cursor) that a
 * transaction pooler cannot keep; the message says what to use instead. Raised before the statement is sent.
 */
export class PoolerUnsupportedError extends DbscopeError {
  constructor(message: string) {
    super('POOLER_UNSUPPORTED', message)
  }
}

/**
 * A statement of the application's would open or end a transaction by itself (`BEGIN`, `COMMIT`, `ROLLBACK`,
 * `XA START`, …): on `db.kysely` it would leave a pooled connection inside a transaction that later statements join
 * and nobody commits; in a scope it would end the scope's transaction early. Raised before the statement is sent.
 */
export class TransactionControlError extends DbscopeError {
  constructor(message: string) {
    super('TRANSACTION_CONTROL', message)
  }
}

/**
 * A value the server sent could not be turned into the JS value its column is typed as (JSON text that does not
 * parse); the parser's error is the `cause`. The query is rejected and the connection stays usable.
 */
export class ValueParseError extends DbscopeError {
  readonly column: string
  constructor(column: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause)
    super('VALUE_PARSE', `The value of column "${column}" could not be read: ${why}. Fix the stored value, or select it as text (CAST(… AS CHAR)).`, { cause })
    this.column = column
  }
}

/**
 * A statement was issued in a scope while a `.stream()` of that scope was still being read. A scope has one
 * connection, which answers one statement at a time: the statement would wait for the stream, and the stream for the
 * loop that issued it. Raised before the statement is sent; the scope and its stream carry on.
 */
export class StreamActiveError extends DbscopeError {
  constructor() {
    super(
      'STREAM_ACTIVE',
      'A statement was issued in this scope while its .stream() is still being read, on the same connection. Finish ' +
        'or break the stream first, or collect what the statement needs and run it after the loop.',
    )
  }
}

/**
 * PostgreSQL takes at most 65,535 bind parameters in one statement. Raised before the statement is sent; the
 * connection stays usable. Not retryable: the same statement fails again.
 */
export class TooManyParametersError extends DbscopeError {
  constructor(count: number, limit: number) {
    super(
      'TOO_MANY_PARAMETERS',
      `This statement has ${count} bind parameters; PostgreSQL takes at most ${limit} in one statement. It was not ` +
        `sent. Split it into batches (for an insert: rows per batch × columns ≤ ${limit}).`,
    )
  }
}

/**
 * What the driver said about a failed statement, copied onto the error so that code written against node-postgres or
 * mysql2 keeps reading the same fields. PostgreSQL (and PGlite) fill the first group, MySQL/MariaDB the last two.
 */
export interface DriverErrorFields {
  readonly detail?: string | undefined
  readonly hint?: string | undefined
  readonly schema?: string | undefined
  readonly table?: string | undefined
  readonly column?: string | undefined
  readonly constraint?: string | undefined
  readonly dataType?: string | undefined
  /** 1-based character offset of the error in the statement's text, as the server reports it. */
  readonly position?: string | undefined
  /** `ERROR`, `FATAL`, `PANIC` (the unlocalized severity where the server sends it). */
  readonly severity?: string | undefined
  /** MySQL/MariaDB error number, e.g. 1062 for a duplicate key. */
  readonly errno?: number | undefined
  /** MySQL/MariaDB: the server's message without mysql2's prefix. */
  readonly sqlMessage?: string | undefined
}

/** The options a query error is built with: the driver's error, its code, and its fields. */
export interface QueryErrorOptions extends DriverErrorFields {
  readonly cause: unknown
  readonly retryable?: boolean
  /** PostgreSQL SQLSTATE; MySQL errno as a string. */
  readonly sqlState?: string | undefined
}

/**
 * A query failed; subclasses name the well-known causes. The driver's error is the `cause`, and its fields are
 * copied here.
 *
 * @example
 * catch (e) { if (e instanceof UniqueViolationError) return reply(409, `${e.table}.${e.constraint}: ${e.detail}`) }
 */
export class QueryError extends DbscopeError implements DriverErrorFields {
  /** The driver's own code (PostgreSQL SQLSTATE, MySQL errno as a string): `e.sqlState === '23505'`. */
  readonly sqlState: string | undefined
  readonly detail: string | undefined
  readonly hint: string | undefined
  readonly schema: string | undefined
  readonly table: string | undefined
  readonly column: string | undefined
  readonly constraint: string | undefined
  readonly dataType: string | undefined
  readonly position: string | undefined
  readonly severity: string | undefined
  readonly errno: number | undefined
  readonly sqlMessage: string | undefined
  constructor(code: QueryErrorCode, message: string, options: QueryErrorOptions) {
    super(code, message, options)
    this.sqlState = options.sqlState
    this.detail = options.detail
    this.hint = options.hint
    this.schema = options.schema
    this.table = options.table
    this.column = options.column
    this.constraint = options.constraint
    this.dataType = options.dataType
    this.position = options.position
    this.severity = options.severity
    this.errno = options.errno
    this.sqlMessage = options.sqlMessage
  }
}

/** PostgreSQL 40001: retry the whole transaction (MySQL and MariaDB report their conflicts as deadlocks, 1213). */
export class SerializationFailureError extends QueryError {}
/** PostgreSQL 40P01 / MySQL 1213. */
export class DeadlockError extends QueryError {}
/** MySQL 1205 / PostgreSQL 55P03. */
export class LockTimeoutError extends QueryError {}
/** PostgreSQL 23505 / MySQL 1062. */
export class UniqueViolationError extends QueryError {}
/** PostgreSQL 23503 / MySQL 1451, 1452. */
export class ForeignKeyViolationError extends QueryError {}
/** PostgreSQL 23502 / MySQL 1048. */
export class NotNullViolationError extends QueryError {}
/** PostgreSQL 57014 / MySQL 3024, 1317: the statement was cancelled or ran past its time limit. */
export class StatementTimeoutError extends QueryError {}
/**
 * The connection broke (socket closed, backend terminated, server restarted). Safe to retry the unit of work, except
 * with code IDLE_IN_TRANSACTION_TIMEOUT (the server ended it for idling in a transaction) or when a COMMIT went
 * unanswered or its connection broke while it ran (`retryable` false: whether it committed is unknown).
 */
export class ConnectionLostError extends QueryError {}
/**
 * The server this connection is on no longer accepts writes (it became a standby, or was set read-only, after a
 * failover), while the URL asked for a writable one (target_session_attrs=read-write). The connection has been
 * discarded and the next one goes to the host that is writable now: retry the unit of work.
 */
export class ServerReadOnlyError extends QueryError {}
/**
 * PostgreSQL: the statement cache's prepared form of a statement went stale (an ALTER TABLE changed its result, or
 * the statement is gone from the session). It has been dropped; running the statement again prepares it afresh.
 */
export class StaleStatementError extends QueryError {}

/** The stable codes of errors a statement can fail with, as classified from the driver's error. */
export type QueryErrorCode =
  | 'SERIALIZATION_FAILURE'
  | 'DEADLOCK'
  | 'LOCK_TIMEOUT'
  | 'UNIQUE_VIOLATION'
  | 'FOREIGN_KEY_VIOLATION'
  | 'NOT_NULL_VIOLATION'
  | 'STATEMENT_TIMEOUT'
  | 'CONNECTION_LOST'
  | 'IDLE_IN_TRANSACTION_TIMEOUT'
  | 'STALE_STATEMENT'
  | 'SERVER_READ_ONLY'
  | 'QUERY_FAILED'

type QueryErrorClass = new (code: QueryErrorCode, message: string, options: QueryErrorOptions) => QueryError

const RETRY_HINT = 'Retry the transaction: db.scope(fn, { retry: { attempts: 3 } }) re-runs it.'

/** Per code: the class, whether re-running the unit of work may succeed, and what to do next. */
const QUERY_ERRORS: Record<QueryErrorCode, { readonly cls: QueryErrorClass; readonly retryable: boolean; readonly hint: string }> = {
  SERIALIZATION_FAILURE: { cls: SerializationFailureError, retryable: true, hint: RETRY_HINT },
  DEADLOCK: { cls: DeadlockError, retryable: true, hint: RETRY_HINT },
  LOCK_TIMEOUT: { cls: LockTimeoutError, retryable: true, hint: `${RETRY_HINT} Or shorten the transactions that hold the lock.` },
  UNIQUE_VIOLATION: { cls: UniqueViolationError, retryable: false, hint: 'A row with this key already exists: update it, or insert with onConflict / onDuplicateKeyUpdate.' },
  FOREIGN_KEY_VIOLATION: {
    cls: ForeignKeyViolationError,
    retryable: false,
    hint: 'The referenced row is missing, or other rows still reference this one: write the parent first, or delete the children first.',
  },
  NOT_NULL_VIOLATION: { cls: NotNullViolationError, retryable: false, hint: 'Give the column a value, or a default in the schema.' },
  STATEMENT_TIMEOUT: {
    cls: StatementTimeoutError,
    retryable: false,
    hint: 'The statement was cancelled or ran past its time limit: make it cheaper (an index?) or raise the limit (pool.statementTimeoutMs, scope timeoutMs).',
  },
  CONNECTION_LOST: {
    cls: ConnectionLostError,
    retryable: true,
    hint: 'The database connection was lost and has been discarded; retry the unit of work. If this repeats, check the server and the network.',
  },
  // A ConnectionLostError (the connection is gone) with its own code; retrying the same idle transaction fails again.
  IDLE_IN_TRANSACTION_TIMEOUT: {
    cls: ConnectionLostError,
    retryable: false,
    hint:
      'The server ended this connection for idling in a transaction longer than pool.idleInTransactionTimeoutMs, and ' +
      'rolled the transaction back. Keep other work (network calls, waits) out of the transaction, or raise the timeout.',
  },
  STALE_STATEMENT: {
    cls: StaleStatementError,
    retryable: true,
    hint:
      'A table changed under this connection\'s prepared form of the statement (ALTER TABLE), which has been dropped: ' +
      'running it again prepares it afresh. db.scope(fn, { retry: { attempts: 3 } }) does that for you.',
  },
  SERVER_READ_ONLY: {
    cls: ServerReadOnlyError,
    retryable: true,
    hint:
      'The server became read-only (a standby after a failover) while target_session_attrs=read-write asks for a ' +
      'writable one: the connection has been discarded and the next goes to the writable host. Retry the unit of ' +
      'work: db.scope(fn, { retry: { attempts: 3 } }) does that for you.',
  },
  QUERY_FAILED: { cls: QueryError, retryable: false, hint: '' },
}

/**
 * Builds the typed error for a classified driver error: its class and `retryable` follow the code, its message is
 * the driver's followed by what to do next, and the driver's error is the `cause`.
 *
 * @example
 * return queryError('UNIQUE_VIOLATION', err.message, { cause: err, sqlState: '23505', constraint: 'users_email_key' })
 */
export function queryError(code: QueryErrorCode, driverMessage: string, options: Omit<QueryErrorOptions, 'retryable'>): QueryError {
  const k = QUERY_ERRORS[code]
  const message = k.hint ? `${driverMessage.replace(/\.?$/, '.')} ${k.hint}` : driverMessage
  return new k.cls(code, message, { ...options, retryable: k.retryable })
}
