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
import { assertPoolerSafe } from '../pooler.js'
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

  executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const refused = this.#note(q)
    return refused ?? this.checkout.raw.query<R>(q.sql, q.parameters).then(undefined, this.#fail)
  }

  /** Runs `prefix` and then `q` in one round trip where the dialect can. */
  executeAfter<R>(prefix: string, q: CompiledQuery): Promise<QueryResult<R>> {
    const refused = this.#note(q)
    return refused ?? this.checkout.raw.queryAfter<R>(prefix, q.sql, q.parameters).then(undefined, this.#fail)
  }

  /** Records `q` as the last statement; a rejection when the pooler check refuses it. */
  #note(q: CompiledQuery): Promise<never> | undefined {
    this.checkout.lastSql = q.sql
    if (!this.#engine.config.pooler) return undefined
    try {
      assertPoolerSafe(q.sql)
    } catch (err) {
      return Promise.reject(err)
    }
    return undefined
  }

  /** `fail` as a rejection handler: one function per connection, not a closure per statement. */
  readonly #fail: (err: unknown) => never

  async *streamQuery<R>(q: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    await this.#note(q)
    try {
      yield* this.checkout.raw.stream<R>(q.sql, q.parameters, chunkSize)
    } catch (err) {
      throw this.fail(err)
    }
  }

  /** Classifies a driver error and marks the connection broken when it is. */
  fail(err: unknown): unknown {
    if (this.#engine.driver.isConnectionError(err) || this.checkout.raw.broken) this.#broken = true
    return this.#engine.classify(err)
  }
}
