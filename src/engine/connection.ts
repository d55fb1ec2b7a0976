/**
 * One checkout as Kysely sees it: runs statements on the raw connection, refuses what a transaction pooler cannot
 * keep, and turns driver errors into typed dbscope errors, marking the connection broken when it is.
 *
 * @example
 * const conn = new EngineConnection(engine, await engine.acquire())
 * try { await conn.executeQuery(CompiledQuery.raw('SELECT 1')) } finally { engine.release(conn.checkout, conn.broken) }
 */
import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely'
import type { Checkout } from '../checkout.js'
import type { Statement } from '../dialects/dialect.js'
import { queryThenInTurn } from '../dialects/query-then.js'
import { poolerError } from '../pooler.js'
import { sessionChange } from '../session-state.js'
import { transactionControl, transactionControlError } from '../transaction-control.js'
import type { Engine } from './engine.js'

export class EngineConnection implements DatabaseConnection {
  readonly checkout: Checkout
  readonly #engine: Engine
  #broken = false

  constructor(engine: Engine, checkout: Checkout) {
    this.#engine = engine
    this.checkout = checkout
    // Assigned here, not as a class field: esbuild (tsx) names a field's arrow with a defineProperty call.
    this.#fail = (err) => {
      throw this.fail(err)
    }
  }

  /** The engine this connection came from (and goes back to). */
  get engine(): Engine {
    return this.#engine
  }

  /** A statement failed in a way that leaves the connection unusable, or its socket broke. */
  get broken(): boolean {
    return this.#broken || this.checkout.raw.broken
  }

  /**
   * Runs `q`. `own`: a statement of dbscope's own (a transaction statement; a scope's settings and role on MySQL,
   * and their reset), which is neither refused nor marks the connection for the pool's reset.
   */
  executeQuery<R>(q: CompiledQuery, own = false): Promise<QueryResult<R>> {
    const refused = this.#note(q, own)
    if (refused) return refused
    const observer = this.#engine.observer
    if (observer === undefined || !observer.reporting) return this.checkout.raw.query<R>(q.sql, q.parameters).then(undefined, this.#fail)
    return observer.statement(this.checkout, q, undefined, () => this.checkout.raw.query<R>(q.sql, q.parameters).then(undefined, this.#fail))
  }

  /** Runs the `prefix` statements and then `q`, in one round trip where the dialect can. */
  executeAfter<R>(prefix: readonly Statement[], q: CompiledQuery): Promise<QueryResult<R>> {
    const refused = this.#note(q)
    if (refused) return refused
    const observer = this.#engine.observer
    if (observer === undefined || !observer.reporting) return this.checkout.raw.queryAfter<R>(prefix, q.sql, q.parameters).then(undefined, this.#fail)
    return observer.statement(this.checkout, q, prefix, () => this.checkout.raw.queryAfter<R>(prefix, q.sql, q.parameters).then(undefined, this.#fail))
  }

  /**
   * Runs `q` (dbscope's own: COMMIT or ROLLBACK) and then the `after` statements (the scope's settings set back),
   * in one write where the dialect can; resolves or rejects with `q`'s own outcome. An `after` statement that fails
   * marks the connection broken, so that the pool closes it instead of handing out a session that kept a setting.
   */
  executeThen<R>(q: CompiledQuery, after: readonly CompiledQuery[]): Promise<QueryResult<R>> {
    const refused = this.#note(q, true)
    if (refused) return refused
    const raw = this.checkout.raw
    const send = (): Promise<QueryResult<R>> =>
      (raw.queryThen
        ? raw.queryThen<R>(q.sql, q.parameters, after)
        : queryThenInTurn<R>((s) => raw.query(s.sql, s.parameters), q, after, () => (this.#broken = true))
      ).then(undefined, this.#fail)
    const observer = this.#engine.observer
    return observer === undefined || !observer.reporting ? send() : observer.statement(this.checkout, q, undefined, send)
  }

  /**
   * Records `q` as the last statement, and marks the connection for a reset when `q` changes its session; a
   * rejection when nothing may run on the connection any more (dispose() cut it), when `q` opens or ends a
   * transaction itself (see transaction-control.ts), or when `q` changes the session behind a transaction pooler (no
   * reset of ours could reach the clients it would leak into).
   */
  #note(q: CompiledQuery, own = false): Promise<never> | undefined {
    const checkout = this.checkout
    checkout.lastSql = q.sql
    if (checkout.cut) return Promise.reject(this.#engine.cutError())
    if (own) return undefined
    const dialect = this.#engine.driver.name
    const control = transactionControl(q.sql, dialect)
    if (control !== undefined) return Promise.reject(transactionControlError(control))
    const change = sessionChange(q.sql, dialect)
    if (change === undefined) return undefined
    if (this.#engine.config.pooler) return Promise.reject(poolerError(change))
    if (change.undo !== 'none' && checkout.session !== 'discard') checkout.session = change.undo
    return undefined
  }

  /** `fail` as a rejection handler: one function per connection, not a closure per statement. */
  readonly #fail: (err: unknown) => never

  streamQuery<R>(q: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    const observer = this.#engine.observer
    const chunks = this.#stream<R>(q, chunkSize)
    return observer === undefined ? chunks : observer.stream(this.checkout, q, chunks)
  }

  async *#stream<R>(q: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    await this.#note(q)
    try {
      yield* this.checkout.raw.stream<R>(q.sql, q.parameters, chunkSize)
    } catch (err) {
      throw this.fail(err)
    }
  }

  /**
   * Classifies a driver error and marks the connection broken when it is. On a connection dispose() cut, whatever the
   * driver says (cancelled, connection lost) is an EngineDisposedError: retrying would be wrong advice at shutdown.
   */
  fail(err: unknown): unknown {
    if (this.#engine.driver.isConnectionError(err) || this.checkout.raw.broken) this.#broken = true
    const classified = this.#engine.classify(err, this.checkout.raw)
    return this.checkout.cut ? this.#engine.cutError(classified) : classified
  }
}
