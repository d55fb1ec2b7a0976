/**
 * A root scope's connection as Kysely sees it: BEGIN travels with the first statement (one round trip), later
 * statements wait for BEGIN's answer while it is in flight, control statements (COMMIT, ROLLBACK, RELEASE) run even
 * after the scope ended, and a stream stops at its next chunk once the scope has ended.
 *
 * @example
 * const conn = new ScopeConnection(rootFrame, checkout, { before: [], with: [CompiledQuery.raw('BEGIN')] })
 * await conn.send(CompiledQuery.raw('SELECT 1')) // BEGIN; SELECT 1 — one round trip
 */
import { CompiledQuery, type DatabaseConnection, type QueryResult } from 'kysely'
import { EngineConnection } from '../engine/connection.js'
import type { Engine } from '../engine/engine.js'
import { StreamActiveError, TransactionAbortedError, type DbscopeError } from '../errors.js'
import type { BeginPlan } from './options.js'
import type { Checkout } from '../checkout.js'

/** What a connection needs of the root scope that owns it. */
export interface ScopeOwner {
  readonly engine: Engine
  /** The scope has committed, rolled back or timed out. */
  readonly ended: boolean
  /** The error for a statement that arrives after the end. */
  endedError(): DbscopeError
}

const noop = (): void => undefined

/** The scope's connection as Kysely sees it: BEGIN goes out with the first statement; errors are classified. */
export class ScopeConnection implements DatabaseConnection {
  readonly checkout: Checkout
  readonly #root: ScopeOwner
  readonly #inner: EngineConnection
  /** BEGIN (and the scope's settings), until it has been sent. */
  #begin: BeginPlan | undefined
  /** A statement of the plan's `before` failed (MySQL's SET ROLE …): nothing else of the scope may run. */
  #refused: unknown = undefined
  /** The first statement (carrying BEGIN) while it is in flight; other statements wait for it. */
  #beginning: Promise<unknown> | undefined
  /** BEGIN was sent: the end must COMMIT or ROLLBACK. */
  begun = false
  /** A stream is being read: the connection is its until it ends, so another statement is refused (not queued). */
  #streaming = false

  constructor(root: ScopeOwner, checkout: Checkout, begin: BeginPlan) {
    this.#root = root
    this.checkout = checkout
    this.#inner = new EngineConnection(root.engine, checkout)
    this.#begin = begin
  }

  get broken(): boolean {
    return this.#inner.broken || this.checkout.raw.broken
  }

  executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#root.ended) return Promise.reject(this.#root.endedError())
    return this.send<R>(q)
  }

  /**
   * Sends a statement of a live frame: with BEGIN if none went out yet, after BEGIN's answer if it is in flight.
   * `own`: a nested scope's settings or role, which the scope sets back itself (see EngineConnection.executeQuery).
   */
  send<R>(q: CompiledQuery, own = false): Promise<QueryResult<R>> {
    if (this.#streaming) return Promise.reject(new StreamActiveError())
    if (this.#begin) return this.#first<R>(q)
    if (this.#refused !== undefined) return Promise.reject(new TransactionAbortedError(this.#refused))
    if (this.#beginning) return this.#afterBegin<R>(q, true, own)
    return this.#inner.executeQuery<R>(q, own)
  }

  /**
   * A control statement at the end of a frame (COMMIT, ROLLBACK, RELEASE …, the reset of its settings): runs even
   * though the frame ended, and is dbscope's own (it never marks the connection for the pool's reset). `after`: the
   * reset statements that go out with it in one write (see EngineConnection.executeThen).
   */
  control(q: CompiledQuery, after: readonly CompiledQuery[] = []): Promise<unknown> {
    if (after.length > 0) {
      const beginning = this.#beginning
      if (beginning) return beginning.catch(noop).then(() => this.#inner.executeThen(q, after))
      return this.#inner.executeThen(q, after)
    }
    if (this.#beginning) return this.#afterBegin(q, false, true)
    return this.#inner.executeQuery(q, true)
  }

  async *streamQuery<R>(q: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    if (this.#root.ended) throw this.#root.endedError()
    if (this.#streaming) throw new StreamActiveError()
    if (this.#begin || this.#beginning) await this.send(CompiledQuery.raw('SELECT 1'))
    this.#streaming = true
    try {
      for await (const chunk of this.#inner.streamQuery<R>(q, chunkSize)) {
        yield chunk
        // Checked before every further chunk: a stream whose scope ended (a timeout, say) stops reading, which frees
        // the connection for the rollback instead of holding it until the reader gives up.
        if (this.#root.ended) throw this.#root.endedError()
      }
    } finally {
      this.#streaming = false
    }
  }

  #first<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const begin = this.#begin!
    this.#begin = undefined
    this.begun = true
    const p = begin.before.length === 0 ? this.#inner.executeAfter<R>(begin.with, q) : this.#beforeBegin<R>(begin, q)
    this.#beginning = p
    // Registered before the caller's own reactions, so BEGIN counts as answered by the time anyone resumes.
    p.then(
      () => this.#answered(p),
      () => this.#answered(p),
    )
    return p
  }

  #answered(p: Promise<unknown>): void {
    if (this.#beginning === p) this.#beginning = undefined
  }

  /** The plan's `before` statements one by one, then BEGIN with `q`: when one fails, neither BEGIN nor `q` runs. */
  async #beforeBegin<R>(begin: BeginPlan, q: CompiledQuery): Promise<QueryResult<R>> {
    try {
      for (const s of begin.before) await this.#inner.executeQuery(s, true)
    } catch (err) {
      this.#refused = err
      throw err
    }
    return this.#inner.executeAfter<R>(begin.with, q)
  }

  async #afterBegin<R>(q: CompiledQuery, user: boolean, own: boolean): Promise<QueryResult<R>> {
    await this.#beginning!.catch(noop)
    // The scope may have ended while BEGIN was in flight; its ROLLBACK may already be queued ahead of this.
    if (user && this.#root.ended) throw this.#root.endedError()
    if (user && this.#refused !== undefined) throw new TransactionAbortedError(this.#refused)
    return this.#inner.executeQuery<R>(q, own)
  }
}
