/**
 * One mysql2 connection as the pool sees it: values converted to the types dbgen emits, a parameterless statement
 * sent back to back with the next, and a socket error or end marking it broken instead of crashing the process.
 *
 * @example
 * const conn = new MysqlConnection(mysql2Connection, mysqlColumnConverters(types))
 * await conn.queryAfter([CompiledQuery.raw('START TRANSACTION')], 'SELECT 1', [])
 */
import type { Connection, FieldPacket, ResultSetHeader } from 'mysql2'
import type { QueryResult } from 'kysely'
import { queryError } from '../../errors.js'
import type { RawConnection, Statement } from '../dialect.js'
import { isMysqlConnectionError } from './errors.js'
import { streamRows } from './stream.js'
import { convertRows, type ColumnConverters } from './values.js'

/** mysql2's CLIENT_IGNORE_SPACE capability flag. */
const IGNORE_SPACE = 0x100
const RESTORE_IGNORE_SPACE =
  "SET SESSION sql_mode = IF(@@SESSION.sql_mode = '', 'IGNORE_SPACE', " +
  "IF(FIND_IN_SET('IGNORE_SPACE', @@SESSION.sql_mode) > 0, @@SESSION.sql_mode, CONCAT('IGNORE_SPACE,', @@SESSION.sql_mode)))"

/** The version each connection's server announced in its handshake (mysql2 passes it to the 'connect' event). */
export const SERVER_VERSIONS = new WeakMap<Connection, string>()

export class MysqlConnection implements RawConnection {
  readonly #conn: Connection
  readonly #converters: ColumnConverters
  /** The session settings the driver sets at connect (statement timeouts), applied again after a reset. */
  sessionSql: readonly string[] = []
  #broken = false
  /** What broke the connection: a later statement fails with it, not mysql2's "closed state" error. */
  #brokenBy: Error | undefined
  #listeners: ((err: Error) => void)[] = []
  /**
   * MariaDB's idle_transaction_timeout in ms, when set: the server then resets a connection whose transaction sat
   * idle that long, with no error of its own, so the connection tracks its transaction and when it last heard back.
   */
  readonly #idleLimit: number | undefined
  #inTransaction = false
  #pending = 0
  #answeredAt = 0

  constructor(conn: Connection, converters: ColumnConverters, idleInTransactionMs?: number) {
    this.#conn = conn
    this.#converters = converters
    this.#idleLimit = idleInTransactionMs
    // Listeners for the whole life of the connection: an 'error' after end() must not go unhandled either.
    conn.on('error', (err: Error) => this.#markBroken(err))
    // mysql2's own code for a closed connection, so that a statement failing with it is classified as connection loss.
    conn.on('end', () => this.#markBroken(Object.assign(new Error('Connection closed'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true })))
  }

  get serverId(): number | undefined {
    return this.#conn.threadId ?? undefined
  }

  get serverVersion(): string | undefined {
    return SERVER_VERSIONS.get(this.#conn)
  }

  get broken(): boolean {
    return this.#broken
  }

  query<R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    if (this.#brokenBy) return Promise.reject(this.#brokenBy)
    if (this.#idleLimit !== undefined) this.#sending(sql)
    return new Promise((resolve, reject) => {
      this.#conn.query(sql, params as unknown[], ((err: Error | null, result: unknown, fields: FieldPacket[] | undefined) => {
        if (this.#idleLimit !== undefined) this.#answered()
        if (err) {
          if (isMysqlConnectionError(err)) this.#markBroken(err)
          reject(err)
        } else {
          try {
            if (Array.isArray(result)) convertRows(result, this.#converters(fields))
          } catch (convertError) {
            reject(convertError)
            return
          }
          resolve(toQueryResult<R>(result))
        }
      }) as never)
    })
  }

  async queryAfter<R>(prefix: readonly Statement[], sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    // MySQL does not skip the rest of a batch after an error: a prefix that can fail (SET ROLE) is awaited first, so
    // the statement never runs without it. The last prefix (START TRANSACTION) cannot fail without the statement
    // failing too.
    for (let i = 0; i < prefix.length - 1; i++) await this.query(prefix[i]!.sql, prefix[i]!.parameters)
    const last = prefix[prefix.length - 1]
    if (last === undefined) return this.query<R>(sql, params)
    // mysql2 sends each command and waits; queue both without awaiting so they leave back to back. Promise.all
    // handles both outcomes: when the first fails the second fails too, and must not become an unhandled rejection.
    const [, result] = await Promise.all([this.query(last.sql, last.parameters), this.query<R>(sql, params)])
    return result
  }

  /** Tracks the transaction (the scope's own BEGIN, COMMIT and ROLLBACK) and statements awaiting an answer. */
  #sending(sql: string): void {
    if (sql.startsWith('START TRANSACTION') || sql.startsWith('BEGIN')) this.#inTransaction = true
    else if (sql === 'COMMIT' || sql === 'ROLLBACK') this.#inTransaction = false
    this.#pending++
  }

  #answered(): void {
    this.#pending--
    this.#answeredAt = Date.now()
  }

  /** The server reset a connection whose transaction sat idle past idle_transaction_timeout: say so, keeping `err`. */
  #why(err: Error): Error {
    const idle = this.#idleLimit !== undefined && this.#inTransaction && this.#pending === 0 && Date.now() - this.#answeredAt >= this.#idleLimit
    return idle ? queryError('IDLE_IN_TRANSACTION_TIMEOUT', `The server closed the connection (${err.message})`, { cause: err }) : err
  }

  /**
   * COM_RESET_CONNECTION: session variables back to the global defaults, user variables, temporary tables, GET_LOCK
   * and LOCK TABLES locks and prepared statements gone; then the connect-time session settings again.
   */
  async reset(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.#conn.reset((err) => (err ? reject(err) : resolve())))
    // The server adds IGNORE_SPACE to sql_mode at connect for a client that asks (mysql2 does by default), and the
    // reset takes sql_mode from the global value without it.
    if ((((this.#conn.config as { clientFlags?: number }).clientFlags ?? 0) & IGNORE_SPACE) !== 0) await this.query(RESTORE_IGNORE_SPACE, [])
    for (const statement of this.sessionSql) await this.query(statement, [])
  }

  stream<R>(sql: string, params: readonly unknown[], chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    return streamRows<R>(this.#conn, sql, params, chunkSize, this.#converters)
  }

  onBroken(listener: (err: Error) => void): void {
    this.#listeners.push(listener)
  }

  #markBroken(err: Error): void {
    if (this.#broken) return
    this.#broken = true
    this.#brokenBy = this.#why(err)
    for (const l of this.#listeners) l(err)
  }

  close(): Promise<void> {
    this.#broken = true
    return new Promise((resolve) => {
      try {
        this.#conn.end(() => resolve())
      } catch {
        resolve()
      }
      setTimeout(() => {
        this.#conn.destroy()
        resolve()
      }, 1_000).unref()
    })
  }

  destroy(): void {
    this.#broken = true
    this.#conn.destroy()
  }
}

function toQueryResult<R>(result: unknown): QueryResult<R> {
  if (Array.isArray(result)) return { rows: result as R[] }
  const h = result as ResultSetHeader
  return {
    // 0 means no AUTO_INCREMENT value was generated (no such column, or INSERT IGNORE kept nothing): Kysely's
    // MysqlDriver reports that as undefined, and so does dbscope.
    insertId: h.insertId ? BigInt(h.insertId) : undefined,
    numAffectedRows: h.affectedRows !== undefined ? BigInt(h.affectedRows) : undefined,
    numChangedRows: h.changedRows !== undefined ? BigInt(h.changedRows) : undefined,
    rows: [],
  }
}
