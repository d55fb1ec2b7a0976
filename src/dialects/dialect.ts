/**
 * What a database dialect provides to the engine: raw connections, Kysely's compiler and adapter, error
 * classification and a few catalog reads for the guard. One folder per dialect implements it.
 */
import type { DialectAdapter, DatabaseIntrospector, Kysely, QueryCompiler, QueryResult, TransactionSettings } from 'kysely'
import type { DbscopeError } from '../errors.js'
import type { PasswordSource } from '../password.js'
import type { SessionContextSql } from './session-context.js'
import type { SslOptions } from '../tls/options.js'
import type { DialectName } from '../types/dialect-name.js'
import type { TypeOptions } from '../types/type-options.js'

export type { DialectName }

/** What every server dialect needs to open a session: where, how to tag it, and the session settings. */
export interface SessionOptions {
  /** The URL (with its password, unless `password` gives it). */
  readonly url: string
  /** A connection object's password, asked for every new connection. */
  readonly password: PasswordSource | undefined
  /** The `ssl` option, which replaces the URL's TLS settings. */
  readonly ssl: SslOptions | undefined
  readonly applicationName: string
  readonly statementTimeoutMs: number | undefined
  readonly idleInTransactionTimeoutMs: number | undefined
  readonly connectTimeoutMs: number
  readonly types: TypeOptions | undefined
}

/** A statement and its parameters (a Kysely CompiledQuery fits). */
export interface Statement {
  readonly sql: string
  readonly parameters: readonly unknown[]
}

/** One physical connection, as the pool sees it. */
export interface RawConnection {
  /** The server's id for this session (PostgreSQL backend pid, MySQL thread id), for cancel and kill. */
  readonly serverId: number | undefined
  /**
   * True once the socket reported an error or closed, or (PostgreSQL) once the host turned read-only while the URL
   * asked for a writable one: the pool destroys it instead of reusing it.
   */
  readonly broken: boolean
  /** PostgreSQL: opened to a writable host (target_session_attrs=read-write) that has turned read-only since. */
  readonly roleChanged?: boolean
  /** The version the server announced at connect (MySQL/MariaDB handshake), when the dialect knows it. */
  readonly serverVersion?: string | undefined
  /** Runs one statement. */
  query<R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>>
  /**
   * Runs the `prefix` statements (BEGIN, a scope's settings) and then the statement, in one round trip where the
   * dialect can. When a prefix statement fails, the call rejects with its error and the statement's result is never
   * returned: PostgreSQL skips the statement; MySQL sends a prefix that can fail on a live connection alone first,
   * and marks the connection broken when one fails (see MysqlConnection.queryAfter).
   */
  queryAfter<R>(prefix: readonly Statement[], sql: string, params: readonly unknown[]): Promise<QueryResult<R>>
  /**
   * Runs the statement and then the `after` statements (a scope's settings set back, after its COMMIT), in one write
   * where the dialect can, and resolves or rejects with the statement's own outcome once all were answered. An
   * `after` statement that fails marks the connection broken. Optional: without it, they are sent one by one.
   */
  queryThen?<R>(sql: string, params: readonly unknown[], after: readonly Statement[]): Promise<QueryResult<R>>
  /** Streams rows in chunks. */
  stream<R>(sql: string, params: readonly unknown[], chunkSize: number): AsyncIterableIterator<QueryResult<R>>
  /**
   * Returns the session to the state it was opened in — settings, role, temporary tables, session locks, LISTEN,
   * prepared statements, user variables — after a statement changed it (see session-state.ts). Rejects when it cannot.
   */
  reset(): Promise<void>
  /** Called once when the connection breaks (socket error, server-side termination). */
  onBroken(listener: (err: Error) => void): void
  /** Closes politely. Never throws. */
  close(): Promise<void>
  /** Closes at once, dropping the socket. Never throws. */
  destroy(): void
}

/** The server's connection limits, read once on first connect. */
export interface ServerBudget {
  readonly maxConnections: number
  /** Connections reserved for superusers (PostgreSQL), not usable by the application. */
  readonly reserved: number
  /** Connections in use right now that are not tagged with this application's name. */
  readonly usedByOthers: number
}

export interface DialectDriver {
  readonly name: DialectName
  /** Opens a new connection with session settings (statement timeout, application name) applied. */
  connect(): Promise<RawConnection>
  /** Cancels the statement running on `conn`, from a separate connection. Never throws. */
  cancel(conn: RawConnection): Promise<void>
  /** The statements that open a transaction with these settings. */
  beginSql(settings: TransactionSettings): readonly string[]
  /** How a scope's `settings` and `role` are applied on this dialect. */
  readonly sessionContext: SessionContextSql
  /** Reads max_connections and current usage. */
  readBudget(conn: RawConnection, appName: string): Promise<ServerBudget>
  /**
   * Maps a driver error to a typed dbscope error; returns the input when it is not a database error. `conn`, the
   * connection it happened on, when known: PostgreSQL's read-only error on a host that turned read-only is retryable.
   */
  classify(err: unknown, conn?: RawConnection): DbscopeError | unknown
  /** Whether this error means the connection is unusable. */
  isConnectionError(err: unknown): boolean
  createQueryCompiler(): QueryCompiler
  createAdapter(): DialectAdapter
  createIntrospector(db: Kysely<any>): DatabaseIntrospector
  /** PostgreSQL: a server seen as a standby has reported since that it was promoted (see server-role.ts). */
  readonly promoted?: () => boolean
  /** Frees dialect-wide resources (PGlite's instance). */
  end(): Promise<void>
  /** PGlite: the embedded instance (db.listen uses its own listen()). */
  readonly embedded?: () => Promise<unknown>
  /** The largest pool this dialect supports (1 for PGlite). */
  readonly maxPoolSize: number
}

/**
 * Streams by running the statement once, when iteration starts, and yielding its rows in chunks: for PGlite, which
 * returns a whole result at once (PostgreSQL and MySQL stream for real: postgres/cursor.ts, mysql/stream.ts).
 */
export async function* inChunks<R>(run: () => Promise<QueryResult<R>>, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
  const res = await run()
  for (let i = 0; i < res.rows.length; i += chunkSize) yield { rows: res.rows.slice(i, i + chunkSize) }
}
