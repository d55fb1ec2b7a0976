/**
 * One mysql2 connection as the pool sees it: values converted to the types dbgen emits, a parameterless statement
 * sent back to back with the next, and a socket error or end marking it broken instead of crashing the process.
 *
 * @example
 * const conn = new MysqlConnection(mysql2Connection, mysqlColumnConverters(types))
 * await conn.queryAfter([CompiledQuery.raw('START TRANSACTION')], 'SELECT 1', []) // one round trip
 */
import type { Connection, ResultSetHeader } from 'mysql2'
import type { QueryResult } from 'kysely'
import { queryError } from '../../errors.js'
import type { RawConnection, Statement } from '../dialect.js'
import { isUserVariableSet } from './context.js'
import { queryThenInTurn } from '../query-then.js'
import { isMysqlConnectionError } from './errors.js'
import { canPipeline, sendPipelined, type PipelinedStatement, type QueryCallback } from './mysql2-internals.js'
import { streamRows } from './stream.js'
import { convertResult, type ColumnConverters } from './values.js'

/** mysql2's CLIENT_IGNORE_SPACE capability flag. */
const IGNORE_SPACE = 0x100
const RESTORE_IGNORE_SPACE =
  "SET SESSION sql_mode = IF(@@SESSION.sql_mode = '', 'IGNORE_SPACE', " +
  "IF(FIND_IN_SET('IGNORE_SPACE', @@SESSION.sql_mode) > 0, @@SESSION.sql_mode, CONCAT('IGNORE_SPACE,', @@SESSION.sql_mode)))"

/**
 * The BEGIN statements that may leave in one write with the statement after them: they cannot fail on a live
 * connection that has no transaction open (see MysqlConnection.queryAfter). START TRANSACTION READ WRITE is not one.
 * A scope's settings (a SET of user variables, with parameters) travel too.
 */
const PIPELINED = /^(?:START TRANSACTION(?: READ ONLY)?|SET TRANSACTION ISOLATION LEVEL [A-Z ]+)$/

function pipelined(s: Statement): boolean {
  return s.parameters.length === 0 ? PIPELINED.test(s.sql) : isUserVariableSet(s.sql)
}

function noop(): void {}

/** Timer slack allowed when comparing a quiet period with MariaDB's idle_transaction_timeout. */
const IDLE_TIMER_SLACK_MS = 5

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
   * idle that long, with no error of its own, so the connection tracks its transaction and its quiet periods (no
   * statement awaiting an answer). Times are performance.now() (monotonic).
   */
  readonly #idleLimit: number | undefined
  /** A transaction is open as of the last answer (START TRANSACTION / BEGIN answered, COMMIT / ROLLBACK not yet). */
  #inTransaction = false
  #pending = 0
  #lastSentAt = 0
  /**
   * The current or last quiet period: it began no earlier than `#quietFrom` (when the statement whose answer began it
   * was sent: the server cannot have started waiting before it had that statement) and no later than `#quietSince`
   * (when its answer was read), and ended at `#quietUntil` (when the next statement was sent; undefined while quiet).
   * `#quietFrom` is undefined when no quiet period preceded the statements now pending.
   */
  #quietFrom: number | undefined
  #quietSince = 0
  #quietUntil: number | undefined
  /** The server ended the connection for idling in the transaction (`#brokenBy` says so). */
  #endedIdle = false

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
    return new Promise((resolve, reject) => {
      this.#conn.query(sql, params as unknown[], this.#answer<R>(sql, resolve, reject) as never)
    })
  }

  /**
   * mysql2's callback for one statement about to be sent: converts its rows, tracks the transaction and quiet
   * periods, and marks the connection broken when the server is gone.
   */
  #answer<R>(sql: string, resolve: (r: QueryResult<R>) => void, reject: (err: unknown) => void): QueryCallback {
    if (this.#idleLimit !== undefined) this.#sending()
    return (err, result, fields) => {
      if (err && isMysqlConnectionError(err)) {
        // No answer from the server: the connection is gone. Classified with the state it was lost in (a statement
        // sent into a connection the server had already ended for idling still says so).
        this.#markBroken(err)
        reject(this.#endedIdle ? this.#brokenBy : err)
        return
      }
      if (this.#idleLimit !== undefined) this.#answered(sql)
      if (err) {
        reject(err)
        return
      }
      try {
        convertResult(result, fields, this.#converters)
      } catch (convertError) {
        reject(convertError)
        return
      }
      resolve(toQueryResult<R>(result))
    }
  }

  /**
   * The prefix (BEGIN: `[SET TRANSACTION ISOLATION LEVEL …,] START TRANSACTION …`) and the statement. Where every
   * prefix statement is one that cannot fail on a live connection with no transaction open (see PIPELINED), all of
   * them leave back to back in one write and are answered in one round trip; otherwise each prefix statement is
   * awaited before the next leaves.
   *
   * The server runs a pipelined statement even when a prefix statement before it failed, so a failed prefix means
   * the statement may have run outside the transaction. That can only happen when the server refuses START
   * TRANSACTION or SET TRANSACTION on a live connection, and neither refuses on a connection dbscope hands a scope:
   * both fail only inside an open transaction (SET TRANSACTION: "can't be changed while a transaction is in
   * progress"; START TRANSACTION: an active XA transaction), and a scope's connection comes idle from the pool, reset
   * on return (a statement that leaves a transaction open makes the scope roll back, and a connection whose
   * ROLLBACK fails is destroyed). START TRANSACTION READ WRITE is the exception: a read_only server refuses it to a
   * user without the privilege to write, so it is awaited. A KILL QUERY (a scope's timeout cancelling) that lands
   * on START TRANSACTION itself would leave the statement to run alone, as it did when mysql2's own queue sent it
   * after BEGIN's answer: that scope has timed out, and its connection is destroyed.
   *
   * Whichever way it was sent, a failed prefix statement rejects with its own error and marks the connection
   * broken: nothing more runs on it (the scope's later statements fail with that error, no ROLLBACK is sent), and
   * the pool destroys it, which ends whatever the server had open on it.
   */
  queryAfter<R>(prefix: readonly Statement[], sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    if (prefix.length === 0) return this.query<R>(sql, params)
    if (this.#brokenBy) return Promise.reject(this.#brokenBy)
    if (!canPipeline(this.#conn) || !prefix.every(pipelined)) return this.#queryAwaitingPrefix<R>(prefix, sql, params)
    return new Promise((resolve, reject) => {
      let refused: unknown
      const statements: PipelinedStatement[] = prefix.map((p) => ({
        sql: this.#conn.format(p.sql, p.parameters as unknown[]),
        callback: this.#answer(p.sql, noop, (err) => {
          if (refused === undefined) refused = this.#refuse(err)
        }),
      }))
      const settle = (outcome: (value: never) => void) => (value: unknown) => (refused === undefined ? outcome(value as never) : reject(refused))
      statements.push({ sql: this.#conn.format(sql, params as unknown[]), callback: this.#answer<R>(sql, settle(resolve), settle(reject)) })
      sendPipelined(this.#conn, statements)
    })
  }

  /**
   * The statement (COMMIT or ROLLBACK), then the `after` statements (a scope's user variables set back): in one write
   * where each of them is one that cannot fail on a live connection (see PIPELINED), so that the reset costs no round
   * trip of its own. Settles with the statement's own outcome once all were answered; an `after` statement that
   * fails marks the connection broken (the pool closes it). The server runs them even when the statement failed.
   */
  queryThen<R>(sql: string, params: readonly unknown[], after: readonly Statement[]): Promise<QueryResult<R>> {
    if (after.length === 0) return this.query<R>(sql, params)
    if (this.#brokenBy) return Promise.reject(this.#brokenBy)
    if (!canPipeline(this.#conn) || !after.every(pipelined)) {
      return queryThenInTurn<R>((s) => this.query(s.sql, s.parameters), { sql, parameters: params }, after, (err) => this.#refuse(err))
    }
    return new Promise((resolve, reject) => {
      let settle: () => void = noop
      const last = after.length - 1
      const statements: PipelinedStatement[] = [
        {
          sql: this.#conn.format(sql, params as unknown[]),
          callback: this.#answer<R>(
            sql,
            (r) => (settle = () => resolve(r)),
            (err) => (settle = () => reject(err)),
          ),
        },
      ]
      after.forEach((p, i) => {
        const done = i === last ? () => settle() : noop
        statements.push({
          sql: this.#conn.format(p.sql, p.parameters as unknown[]),
          callback: this.#answer(p.sql, done, (err) => {
            this.#refuse(err)
            done()
          }),
        })
      })
      sendPipelined(this.#conn, statements)
    })
  }

  /** The prefix statements one by one, each answered before the next leaves, then the statement. */
  async #queryAwaitingPrefix<R>(prefix: readonly Statement[], sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    for (const p of prefix) {
      try {
        await this.query(p.sql, p.parameters)
      } catch (err) {
        throw this.#refuse(err)
      }
    }
    return this.query<R>(sql, params)
  }

  /** A prefix statement (BEGIN) failed: the connection takes no more statements. Returns `err`. */
  #refuse(err: unknown): unknown {
    if (err instanceof Error) this.#markBroken(err)
    return err
  }

  /** A statement leaves: a quiet period (nothing pending) ends now. */
  #sending(): void {
    const now = performance.now()
    if (this.#pending === 0) this.#quietUntil = now
    this.#pending++
    this.#lastSentAt = now
  }

  /** A statement was answered: tracks the transaction (the scope's own BEGIN, COMMIT and ROLLBACK) and quiet periods. */
  #answered(sql: string): void {
    if (sql.startsWith('START TRANSACTION') || sql.startsWith('BEGIN')) this.#inTransaction = true
    else if (sql === 'COMMIT' || sql === 'ROLLBACK') this.#inTransaction = false
    this.#pending--
    if (this.#pending === 0) {
      // Sends are answered in order: the last one answered is the last one sent.
      this.#quietFrom = this.#lastSentAt
      this.#quietSince = performance.now()
      this.#quietUntil = undefined
    } else {
      // The server is working through statements sent since: no quiet period before those still pending.
      this.#quietFrom = undefined
    }
  }

  /**
   * The server reset a connection whose transaction sat idle past idle_transaction_timeout: say so, keeping `err`.
   *
   * That is the case when the connection was lost in, or right after, a quiet period inside a transaction that lasted
   * the limit: measured from when the statement before it was sent (the server's wait began after it had that
   * statement) to when the connection was found lost or, if a statement was sent meanwhile, to when that one was sent
   * (the server ended the session before it arrived). The limit is whole seconds already (the driver rounds up, as
   * the server's setting is) and the server's wait cannot end early; a few ms are allowed for timer slack. The quiet
   * period as the client saw it (from reading the answer, which a busy event loop can read late) must also have
   * lasted half the limit, so that a connection lost right after a long statement is not blamed on idling.
   */
  #why(err: Error): Error {
    const limit = this.#idleLimit
    if (limit === undefined || !this.#inTransaction || this.#quietFrom === undefined) return err
    const end = this.#quietUntil ?? performance.now()
    const idle = end - this.#quietFrom >= limit - IDLE_TIMER_SLACK_MS && end - this.#quietSince >= limit / 2
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
    this.#endedIdle = this.#brokenBy !== err
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
