/**
 * One node-postgres session as the pool sees it: statements with parameters go through the statement cache as named
 * prepared statements, a parameterless statement (BEGIN …) can ride in the same pipeline as the next one, and a
 * socket error or end marks it broken instead of becoming an unhandled event.
 *
 * @example
 * const conn = new PostgresConnection(client, statements.forConnection())
 * await conn.queryAfter([CompiledQuery.raw('BEGIN')], 'SELECT * FROM users WHERE id = $1', [1]) // one round trip
 */
import type pg from 'pg'
import type { QueryResult } from 'kysely'
import type { RawConnection, Statement } from '../dialect.js'
import { commandResult } from '../query-result.js'
import { streamPortal } from './cursor.js'
import { tooManyParameters } from './parameters.js'
import { backendPid, CallbackQuery, destroySocket, onNextReadyForQuery, type PgWire } from './pg-internals.js'
import { ServerRoles, SessionRole } from './server-role.js'
import type { DroppedStatements, StatementCache } from './statements.js'

type QueryCallback = (err: Error | null, res: pg.QueryResult | pg.QueryResult[]) => void

/**
 * A pg.Query that sends more in the same pipeline, before its one Sync: Close for statements the cache dropped, then
 * prefix statements (BEGIN, a scope's settings), then itself, as a named prepared statement when it has a name. An
 * error in any of them makes the server skip the rest up to the Sync.
 */
class PipelinedQuery extends CallbackQuery {
  readonly #dropped: DroppedStatements | undefined
  readonly #prefix: readonly Statement[] | undefined
  constructor(dropped: DroppedStatements | undefined, prefix: readonly Statement[] | undefined, name: string | undefined, text: string, values: unknown[], callback: QueryCallback) {
    super(text, values, callback)
    this.#dropped = dropped
    this.#prefix = prefix
    if (name !== undefined) this.name = name
    this.queryMode = 'extended'
  }
  /** Runs when pg puts the query on the wire, after every query queued before it on the connection. */
  override prepare(connection: PgWire): void {
    if (this.#dropped) {
      for (const name of this.#dropped.close) {
        connection.close({ type: 'S', name })
        delete connection.parsedStatements[name]
      }
      for (const name of this.#dropped.forget) delete connection.parsedStatements[name]
    }
    if (this.#prefix !== undefined) {
      for (const p of this.#prefix) {
        connection.parse({ text: p.sql, name: '', types: [] })
        connection.bind({ portal: '', statement: '', values: p.parameters as unknown[] })
        // A statement with parameters (SELECT set_config…) returns a row: pg needs its description to read it.
        if (p.parameters.length > 0) connection.describe({ type: 'P', name: '' })
        connection.execute({ portal: '', rows: 0 })
      }
    }
    super.prepare(connection)
  }
}

const toResult = <R>(res: pg.QueryResult): QueryResult<R> => commandResult<R>(res.command, res.rowCount, res.rows)

export class PostgresConnection implements RawConnection {
  readonly #client: pg.Client
  /** Named prepared statements on this connection; undefined when the cache is off. */
  readonly #statements: StatementCache | undefined
  #broken = false
  /** What broke the connection (the server's FATAL error, say): a later statement fails with it, not pg's generic one. */
  #brokenBy: Error | undefined
  #listeners: ((err: Error) => void)[] = []
  /** What the server said of its role (standby, read-only), kept up to date by the driver. */
  readonly role: SessionRole
  /** Set by the host picker for a connection kept for writes: whether its host has turned read-only since. */
  roleLost: (() => boolean) | undefined

  constructor(client: pg.Client, statements: StatementCache | undefined, role: SessionRole = new SessionRole(new ServerRoles())) {
    this.#client = client
    this.#statements = statements
    this.role = role
    const fail = (err: Error) => {
      if (this.#broken) return
      this.#broken = true
      this.#brokenBy = err
      for (const l of this.#listeners) l(err)
    }
    // A checked-out client's 'error' must never become an unhandled event that crashes the process.
    client.on('error', fail)
    client.on('end', () => fail(new Error('Connection terminated')))
  }

  get client(): pg.Client {
    return this.#client
  }

  get serverId(): number | undefined {
    return backendPid(this.#client)
  }

  /** The socket broke, or the host turned read-only while this connection was kept for writes. */
  get broken(): boolean {
    return this.#broken || this.roleChanged
  }

  /** Opened to a writable host (target_session_attrs=read-write) that has turned read-only since. */
  get roleChanged(): boolean {
    return this.roleLost !== undefined && this.roleLost()
  }

  query<R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    const refused = this.#refused(params)
    if (refused) return Promise.reject(refused)
    const cache = this.#cacheFor(sql, params)
    if (cache !== undefined) return this.#pipelined(undefined, sql, params, cache)
    // The (text, values, callback) form: pg copies a config object on every call, and wraps a callback-less query
    // in a promise of its own; one promise here is all a statement costs.
    return new Promise((resolve, reject) => {
      this.#client.query(sql, params as unknown[], (err: Error | null, res: pg.QueryResult) => (err ? this.#rejectAfterRole(err, reject) : resolve(toResult<R>(res))))
    })
  }

  queryAfter<R>(prefix: readonly Statement[], sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    const refused = this.#refused(params)
    if (refused) return Promise.reject(refused)
    return this.#pipelined(prefix, sql, params, this.#cacheFor(sql, params))
  }

  /** Why a statement cannot be sent: the connection broke (with what broke it), or too many parameters. */
  #refused(params: readonly unknown[]): Error | undefined {
    return this.#brokenBy ?? tooManyParameters(params)
  }

  /**
   * The statement cache for a statement with parameters, when it is on. A statement without them is only shown to
   * it (DEALLOCATE ALL / DISCARD ALL empty it) and runs as before.
   */
  #cacheFor(sql: string, params: readonly unknown[]): StatementCache | undefined {
    const cache = this.#statements
    if (cache === undefined || !cache.on) return undefined
    if (params.length > 0) return cache
    cache.sending(sql)
    return undefined
  }

  /** Sends `sql` (after `prefix`, if any), as a named prepared statement when `cache` gives it a name. */
  #pipelined<R>(prefix: readonly Statement[] | undefined, sql: string, params: readonly unknown[], cache: StatementCache | undefined): Promise<QueryResult<R>> {
    const name = cache?.nameFor(sql)
    // A Submittable is returned as-is by client.query(), not as a promise: its result comes through the callback.
    return new Promise((resolve, reject) => {
      const query = new PipelinedQuery(cache?.takeDropped(), prefix, name, sql, params as unknown[], (err, res) => {
        if (!err) return resolve(toResult<R>(Array.isArray(res) ? res[res.length - 1]! : res))
        if (name !== undefined) cache?.failed(sql, name, err)
        this.#rejectAfterRole(err, reject)
      })
      this.#client.query(query as unknown as pg.QueryConfig)
    })
  }

  /**
   * Rejects with `err`; a write refused as read-only (25006) on a connection kept for writes waits first for the end
   * of the server's answer. PostgreSQL sends the error at once and its report that the server turned read-only (a
   * ParameterStatus) only just before ReadyForQuery, so the error would otherwise be classified before the report.
   */
  #rejectAfterRole(err: Error, reject: (err: Error) => void): void {
    if ((err as { code?: unknown }).code !== '25006' || this.roleLost === undefined || this.broken) return reject(err)
    let stop: (() => void) | undefined
    let settled = false
    const settle = () => {
      if (settled) return
      settled = true
      stop?.()
      this.#listeners = this.#listeners.filter((l) => l !== settle)
      reject(err)
    }
    // The connection may break before the answer ends: that settles it too.
    this.#listeners.push(settle)
    stop = onNextReadyForQuery(this.#client, settle)
  }

  /**
   * DISCARD ALL: settings back to the session's defaults (those given at connect included), role and session
   * authorization, temporary tables, advisory locks, LISTEN, cursors, prepared statements. Sent through `query`, so
   * that the statement cache forgets the statements it drops.
   */
  async reset(): Promise<void> {
    await this.query('DISCARD ALL', [])
  }

  stream<R>(sql: string, params: readonly unknown[], chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    const refused = this.#refused(params)
    if (refused) return (async function* (): AsyncIterableIterator<QueryResult<R>> {
      throw refused
    })()
    return streamPortal<R>(this.#client, sql, params, chunkSize)
  }

  onBroken(listener: (err: Error) => void): void {
    this.#listeners.push(listener)
  }

  async close(): Promise<void> {
    this.#broken = true
    try {
      await this.#client.end()
    } catch {
      /* already closed */
    }
  }

  destroy(): void {
    this.#broken = true
    destroySocket(this.#client)
  }
}
