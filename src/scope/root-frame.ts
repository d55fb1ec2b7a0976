/**
 * The outermost scope's frame: it owns the connection (taken at the first statement, with BEGIN in the same round
 * trip), COMMIT or ROLLBACK, the release exactly once, and then the hooks.
 *
 * @example
 * const root = new RootFrame(engine, ['BEGIN'], undefined, undefined)
 * await root.execute(CompiledQuery.raw('SELECT 1'))
 * await root.end(true)
 */
import { CompiledQuery, type QueryResult } from 'kysely'
import type { Origin } from '../checkout.js'
import type { Engine } from '../engine/engine.js'
import { TIMED_OUT, within } from '../bounded.js'
import { ConnectionLostError, ScopeEndedError, TransactionAbortedError, type DbscopeError } from '../errors.js'
import { ScopeConnection } from './connection.js'
import { Frame, sleep, type Consumer } from './frame.js'
import { runHooks } from './hooks.js'
import type { BeginPlan } from './options.js'
import type { ScopeContext } from './session-context.js'

const COMMIT = CompiledQuery.raw('COMMIT')
const ROLLBACK = CompiledQuery.raw('ROLLBACK')
/** How long a cancel may take before the scope goes on with its rollback. */
const CANCEL_WAIT_MS = 1_000
/** How long a timed-out scope's ROLLBACK may take (after the cancel) before its connection is destroyed. */
export const TIMED_OUT_ROLLBACK_MS = 1_000
const noop = (): void => undefined

/** The outermost scope: owns the connection, BEGIN, COMMIT/ROLLBACK and the release. */
export class RootFrame extends Frame {
  /** The engine whose connection the scope holds (a replica, for a routed readOnly scope). */
  readonly engine: Engine
  /** The engine of the db that started the scope (its primary): nested scopes of that db join this one. */
  readonly family: Engine
  readonly #begin: BeginPlan
  /** Settings (and whether the role) this transaction or a savepoint in it set: reset at the end where they outlive it. */
  #touched: Set<string> | undefined
  #roleTouched = false
  #conn: ScopeConnection | undefined
  #acquiring: Promise<ScopeConnection> | undefined
  #inFlight = 0
  /** A cancel was sent: the connection is destroyed at the end rather than risk the cancel landing on later work. */
  #cancelled = false
  #savepoints = 0

  /**
   * Where the scope began, for the leak warning: captured when the scope starts (see captureOrigin), or false when
   * the watch is off.
   */
  readonly #origin: Origin | false

  constructor(
    engine: Engine,
    begin: BeginPlan,
    parentInContext: Frame | undefined,
    origin: Origin | undefined,
    family = engine,
    context?: ScopeContext,
  ) {
    super(engine, undefined, parentInContext, context)
    this.engine = engine
    this.family = family
    this.#begin = begin
    this.#origin = origin ?? false
    if (context) this.touch(context)
    this.settled = (value) => {
      this.#inFlight--
      return value
    }
  }

  /** Whether a scope of `engine` (or of the db whose primary it is) finds this one as its enclosing scope. */
  belongsTo(engine: Engine): boolean {
    return this.engine === engine || this.family === engine
  }

  /** Records settings and a role sent on the connection, for the reset at the end (MySQL). */
  touch(context: ScopeContext): void {
    for (const name of context.settings.keys()) (this.#touched ??= new Set()).add(name)
    if (context.role !== undefined) this.#roleTouched = true
  }

  /** Whether the scope set something that outlives its transaction (MySQL's session variables and role). */
  #mustResetContext(): boolean {
    return (this.#touched !== undefined || this.#roleTouched) && this.engine.driver.sessionContext.lifetime !== 'transaction'
  }

  /**
   * What sets back everything the scope set, on a dialect whose settings outlive the transaction (MySQL's session
   * variables and role): `travel`, the statements that cannot fail (user variables), go out with COMMIT or ROLLBACK
   * in one write; `after`, the rest (SET ROLE NONE), once that is answered.
   */
  #resetPlan(): { travel: CompiledQuery[]; after: CompiledQuery[] } {
    if (!this.#mustResetContext()) return { travel: [], after: [] }
    const sql = this.engine.driver.sessionContext
    const settings = [...(this.#touched ?? [])].map((name) => [name, null] as const)
    const all = sql.statements(settings, this.#roleTouched ? null : undefined)
    const travels = (q: CompiledQuery) => sql.travelsWithBegin?.(q) === true
    return { travel: all.filter(travels), after: all.filter((q) => !travels(q)) }
  }

  /**
   * Sends the reset statements that could not travel with COMMIT, before the connection goes back to the pool. False
   * when that failed: the connection must go.
   */
  async #resetContext(conn: ScopeConnection, statements: readonly CompiledQuery[]): Promise<boolean> {
    try {
      const reset = async (): Promise<void> => {
        for (const q of statements) await conn.control(q)
      }
      // Bounded like the COMMIT before it: a reset the server does not answer means the connection must go.
      return (await within(reset(), this.engine.config.pool.endTimeoutMs)) !== TIMED_OUT
    } catch {
      return false
    }
  }

  /** The name of the next savepoint in this transaction. */
  nextSavepointName(): string {
    return `dbscope_sp_${++this.#savepoints}`
  }

  get connection(): ScopeConnection | undefined {
    return this.#conn
  }

  provideConnection<T>(consumer: Consumer<T>): Promise<T> {
    return this.run(this, consumer)
  }

  execute<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    return this.runStatement(this, q)
  }

  /** Runs a statement of `frame` on the scope's connection, taking it (and sending BEGIN with it) on first use. */
  run<T>(frame: Frame, consumer: Consumer<T>): Promise<T> {
    const conn = this.#conn ?? this.#connection()
    if (conn instanceof Promise) return conn.then((c) => this.#exec(frame, c, consumer))
    return this.#exec(frame, conn, consumer)
  }

  /** `run` for one compiled statement, without a consumer callback: one promise of this layer's own. */
  runStatement<R>(frame: Frame, q: CompiledQuery): Promise<QueryResult<R>> {
    const conn = this.#conn ?? this.#connection()
    if (conn instanceof Promise) return conn.then((c) => this.#send<R>(frame, c, q))
    return this.#send<R>(frame, conn, q)
  }

  /**
   * The scope's first statement takes its connection: an idle pooled one in the same synchronous step when one is
   * ready, or a promise of one.
   */
  #connection(): ScopeConnection | Promise<ScopeConnection> {
    try {
      return this.#connectNow() ?? this.connect()
    } catch (err) {
      return Promise.reject(err) // a disposed or foreign engine
    }
  }

  #send<R>(frame: Frame, conn: ScopeConnection, q: CompiledQuery): Promise<QueryResult<R>> {
    // Checked right before the statement is handed to the driver: nothing runs once the frame has ended.
    if (frame.ended || this.ended) return Promise.reject(this.endedError())
    this.#inFlight++
    return conn.send<R>(q).then(this.settled, frame.failed)
  }

  /** A statement finished: passes its result through (one function per scope, not a closure per statement). */
  readonly settled: <T>(value: T) => T

  // Plain promise callbacks rather than async/await: this runs for every statement, and with AsyncLocalStorage
  // active on Node 20 each await costs an extra promise and its hooks.
  #exec<T>(frame: Frame, conn: ScopeConnection, consumer: Consumer<T>): Promise<T> {
    // Checked right before the statement is handed to the driver: nothing runs once the frame has ended.
    if (frame.ended || this.ended) return Promise.reject(this.endedError())
    let work: Promise<T>
    try {
      work = consumer(conn)
    } catch (err) {
      return Promise.reject(err)
    }
    this.#inFlight++
    return work.then(this.settled, frame.failed)
  }

  /** The scope's connection, taken from the pool on first use. */
  connect(): Promise<ScopeConnection> {
    if (this.ended) return Promise.reject(this.endedError())
    if (this.#conn) return Promise.resolve(this.#conn)
    return (this.#acquiring ??= this.#acquire())
  }

  /** Takes an idle pooled connection synchronously when one is ready; undefined when the scope must wait for one. */
  #connectNow(): ScopeConnection | undefined {
    if (this.ended || this.#acquiring) return undefined
    const checkout = this.engine.acquireIdle(this.#origin)
    return checkout && (this.#conn = new ScopeConnection(this, checkout, this.#begin))
  }

  #acquire(): Promise<ScopeConnection> {
    return this.engine.acquire(this.#origin).then((checkout) => {
      if (this.ended) {
        // The scope ended (timed out) while it waited for the pool.
        this.engine.release(checkout)
        throw this.endedError()
      }
      return (this.#conn = new ScopeConnection(this, checkout, this.#begin))
    })
  }

  endedError(): DbscopeError {
    return this.timedOut
      ? new ScopeEndedError('This scope timed out and was rolled back; its `tx` can no longer be used.')
      : new ScopeEndedError()
  }

  /** Cancels the statement running on the connection (from another connection), if any. Never throws. */
  async cancelRunning(): Promise<void> {
    const conn = this.#conn
    if (!conn || this.#inFlight === 0) return
    this.#cancelled = true
    await Promise.race([this.engine.driver.cancel(conn.checkout.raw).catch(noop), sleep(CANCEL_WAIT_MS)])
  }

  /** The manual form's commit()/rollback(): a second call is an error. */
  finish(commit: boolean): Promise<void> {
    if (this.ended) return Promise.reject(new ScopeEndedError('This transaction was already committed or rolled back.'))
    return this.end(commit)
  }

  /**
   * COMMIT or ROLLBACK when BEGIN went out, then release exactly once — destroying a connection that broke, failed
   * to roll back or had a statement cancelled — then the hooks. Throws only when a commit was asked for and did not
   * happen (its error, or TransactionAbortedError).
   */
  protected async finishOnce(commit: boolean): Promise<void> {
    this.markEnded()
    // A statement may still be taking the connection: let it settle so that connection is released too.
    if (this.#acquiring && !this.#conn) await this.#acquiring.catch(noop)
    const conn = this.#conn
    let failure: unknown
    if (commit && this.abortedBy !== undefined) {
      failure = new TransactionAbortedError(this.abortedBy)
      commit = false
    }
    /** COMMIT went unanswered or its connection broke: whether it committed is unknown, so neither kind of hook runs. */
    let unknown = false
    if (conn) {
      let destroy = this.#cancelled
      // Every wait for the server here is bounded (see endBound): a connection that does not answer is destroyed.
      const ms = this.#endBound()
      // A broken connection is not sent a ROLLBACK (it is destroyed); a COMMIT is still sent, so that the scope
      // rejects with the driver's own (classified) connection error.
      if (conn.begun && !commit && conn.broken) destroy = true
      else if (conn.begun) {
        // A connection that broke before COMMIT went out committed nothing; one that breaks while COMMIT runs may have.
        const brokenBefore = conn.broken
        const reset = this.#resetPlan()
        try {
          if ((await within(conn.control(commit ? COMMIT : ROLLBACK, reset.travel), ms)) === TIMED_OUT) {
            destroy = unanswered(conn)
            if (commit) {
              failure = commitUnanswered(ms)
              commit = false
              unknown = true
            }
          }
        } catch (err) {
          if (commit) {
            failure = !brokenBefore && isConnectionLost(err) ? commitLost(err) : err
            unknown = failure !== err
            commit = false
            // A failed COMMIT ends the transaction on PostgreSQL; make sure on every dialect.
            const r = await within(conn.control(ROLLBACK), ms).catch(() => TIMED_OUT)
            if (r === TIMED_OUT) destroy = unanswered(conn)
          } else destroy = true
        }
        if (!destroy && reset.after.length > 0 && !(await this.#resetContext(conn, reset.after))) destroy = true
      }
      this.engine.release(conn.checkout, destroy || conn.broken)
    }
    const hooks = unknown ? undefined : this.hooks(commit)
    if (hooks) await runHooks(this.engine, hooks)
    if (failure !== undefined) throw failure
  }

  /**
   * How long COMMIT or ROLLBACK may wait for the server: `pool.endTimeoutMs`, or TIMED_OUT_ROLLBACK_MS once the
   * deadline has passed (so that a timed-out scope frees its connection soon after its deadline).
   */
  #endBound(): number {
    const ms = this.engine.config.pool.endTimeoutMs
    return this.timedOut ? Math.min(ms, TIMED_OUT_ROLLBACK_MS) : ms
  }
}

/** Destroys a connection that did not answer in time (a polite close would wait on it too); true, for `destroy`. */
function unanswered(conn: ScopeConnection): true {
  conn.checkout.raw.destroy()
  return true
}

function isConnectionLost(err: unknown): err is ConnectionLostError {
  return err instanceof ConnectionLostError && err.code === 'CONNECTION_LOST'
}

/**
 * The connection broke while COMMIT ran (a server crash, a failover): the server may have committed before it went,
 * so the outcome is unknown and the error is not retryable, like an unanswered COMMIT.
 */
function commitLost(err: ConnectionLostError): ConnectionLostError {
  return new ConnectionLostError(
    'CONNECTION_LOST',
    'The connection was lost while COMMIT ran: whether the transaction committed is unknown. Check the data before ' +
      "running the work again (the driver's error is the cause).",
    { cause: err, retryable: false, sqlState: err.sqlState, severity: err.severity },
  )
}

/** COMMIT sent and no answer in time: the connection is gone, and the outcome unknown (so it is not retryable). */
function commitUnanswered(ms: number): ConnectionLostError {
  return new ConnectionLostError(
    'CONNECTION_LOST',
    `COMMIT got no answer within pool.endTimeoutMs (${ms} ms), so its connection was closed: whether the transaction ` +
      'committed is unknown. Check the data before running the work again; raise pool.endTimeoutMs if commits are slow.',
    { cause: undefined, retryable: false },
  )
}
