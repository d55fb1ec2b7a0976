/**
 * One mysql2 connection as the pool sees it: values converted to the types dbgen emits, a parameterless statement
 * sent back to back with the next, and a socket error or end marking it broken instead of crashing the process.
 *
 * @example
 * const conn = new MysqlConnection(mysql2Connection, mysqlColumnConverters(types))
 * await conn.queryAfter('START TRANSACTION', 'SELECT 1', [])
 */
import type { Connection, FieldPacket, ResultSetHeader } from 'mysql2'
import type { QueryResult } from 'kysely'
import type { RawConnection } from '../dialect.js'
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
  #listeners: ((err: Error) => void)[] = []

  constructor(conn: Connection, converters: ColumnConverters) {
    this.#conn = conn
    this.#converters = converters
    // Listeners for the whole life of the connection: an 'error' after end() must not go unhandled either.
    conn.on('error', (err: Error) => this.#markBroken(err))
    conn.on('end', () => this.#markBroken(new Error('Connection closed')))
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
    return new Promise((resolve, reject) => {
      this.#conn.query(sql, params as unknown[], ((err: Error | null, result: unknown, fields: FieldPacket[] | undefined) => {
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

  async queryAfter<R>(prefix: string, sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    // mysql2 sends each command and waits; queue both without awaiting so they leave back to back. Promise.all
    // handles both outcomes: when the first fails the second fails too, and must not become an unhandled rejection.
    const [, result] = await Promise.all([this.query(prefix, []), this.query<R>(sql, params)])
    return result
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
