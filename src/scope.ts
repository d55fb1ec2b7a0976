/**
 * db.scope: a unit of work that commits on success, rolls back on any throw, and always gives its connection back —
 * exactly once, or destroyed when it cannot be trusted. Nested scopes become savepoints on the same connection.
 *
 * Life of a scope: no connection until the first statement; that statement takes one from the pool and carries
 * BEGIN in the same round trip; the end sends COMMIT or ROLLBACK, releases (or destroys) the connection, and only
 * then runs the afterCommit/afterRollback hooks.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import {
  CompiledQuery,
  Transaction,
  type DatabaseConnection,
  type KyselyPlugin,
  type KyselyProps,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'
import type { Engine } from './engine.js'
import { ScopeConnection } from './scope-connection.js'
import { runHooks, type Hook } from './scope-hooks.js'
import type { StatementRunner } from './scope-executor.js'
import {
  ConfigError,
  DbscopeError,
  ForeignConnectionError,
  QueryError,
  ScopeEndedError,
  ScopeTimeoutError,
  TransactionAbortedError,
} from './errors.js'
import { captureOrigin, type Origin } from './pool.js'

/**
 * How a scope relates to one already active in the same async context.
 *
 * @example
 * await db.scope(async () => {
 *   await db.scope(audit, { propagation: 'requiresNew' }) // commits even if the outer scope rolls back
 * })
 */
export type Propagation = 'nested' | 'required' | 'requiresNew'

/**
 * When and how often the outermost scope re-runs its callback.
 *
 * @example
 * await db.scope(transfer, { isolation: 'serializable', retry: { attempts: 5, backoff: { baseMs: 20, maxMs: 500 } } })
 */
export interface RetryOptions {
  /** Total attempts, the first included (default 3 when `retry` is given). */
  readonly attempts?: number
  /** Exponential backoff from `baseMs` up to `maxMs`, with jitter: each wait is uniform in [d/2, d] (10 and 1 000 ms). */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number }
  /** Which errors to retry; default: serialization failures, deadlocks and lock timeouts (also as a `cause`). */
  readonly when?: (error: unknown) => boolean
}

/**
 * Options of `db.scope()`.
 *
 * @example
 * await db.scope(work, { isolation: 'repeatable read', readOnly: true, timeoutMs: 2_000 })
 */
export interface ScopeOptions {
  /** Isolation level of the transaction (outermost scope only). */
  readonly isolation?: 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable'
  /** `true` starts the transaction READ ONLY: a write fails on the server (outermost scope only). */
  readonly readOnly?: boolean
  /**
   * Reject at this deadline: the running statement is cancelled on the server, the work rolled back, and the promise
   * rejects with ScopeTimeoutError without waiting for the callback. On a nested scope it bounds that savepoint.
   * PGlite runs statements on the main thread, so there the deadline is seen between statements.
   */
  readonly timeoutMs?: number
  /** Re-run the callback on serialization failures and deadlocks. A number is `{ attempts }`. Only the outermost scope retries. */
  readonly retry?: RetryOptions | number
  /**
   * `'nested'` (default): a savepoint inside an active scope — nested scopes started together under the same scope
   * run one after another, since interleaved savepoints would undo each other's work. `'required'`: join the active
   * transaction; a throw from it makes that transaction roll back (TransactionAbortedError if the outer scope then
   * returns). `'requiresNew'`: a separate transaction on a second connection (it waits for the pool like any scope).
   */
  readonly propagation?: Propagation
}

type Consumer<T> = (connection: DatabaseConnection) => Promise<T>

const COMMIT = CompiledQuery.raw('COMMIT')
const ROLLBACK = CompiledQuery.raw('ROLLBACK')
/** How long a timed-out scope may spend cancelling and rolling back before its promise rejects anyway. */
const TIMEOUT_GRACE_MS = 250
const CANCEL_WAIT_MS = 1_000
const noop = (): void => undefined

/**
 * A Kysely `Transaction` bound to one scope, plus after-commit and after-rollback hooks.
 *
 * @example
 * await db.scope(async (tx) => {
 *   await sql`UPDATE users SET visits = visits + 1 WHERE id = ${id}`.execute(tx)
 *   tx.afterCommit(() => cache.delete(`user:${id}`))
 * })
 */
export class ScopeTransaction<DB> extends Transaction<DB> {
  readonly #frame: Frame

  /** @internal */
  constructor(props: KyselyProps, frame: Frame) {
    super(props)
    this.#frame = frame
  }

  /**
   * Runs `fn` after the outermost transaction commits and its connection is back in the pool. Registered inside a
   * savepoint, it runs only if that savepoint's work is committed too. A hook that throws (or rejects) never undoes
   * the commit, never fails the scope and never touches the connection: its error goes to the db's `onHookError`
   * option, or is logged as a warning when that option is not set. Hooks run in order and are awaited.
   *
   * @example
   * tx.afterCommit(() => cache.delete(`user:${id}`))
   */
  afterCommit(fn: Hook): void {
    this.#frame.addHook(true, fn)
  }

  /**
   * Runs `fn` after this scope's work is rolled back — a savepoint's hook once the outermost scope has released the
   * connection, whatever its outcome. Errors are reported like `afterCommit`'s.
   *
   * @example
   * tx.afterRollback(() => metrics.increment('checkout.rolled_back'))
   */
  afterRollback(fn: Hook): void {
    this.#frame.addHook(false, fn)
  }

  override withPlugin(plugin: KyselyPlugin): ScopeTransaction<DB> {
    return this.#derive(this.getExecutor().withPlugin(plugin))
  }
  override withoutPlugins(): ScopeTransaction<DB> {
    return this.#derive(this.getExecutor().withoutPlugins())
  }
  override withSchema(schema: string): ScopeTransaction<DB> {
    return this.#derive(super.withSchema(schema).getExecutor())
  }
  override withTables<T extends Record<string, Record<string, any>>>(): ScopeTransaction<DB & T> {
    return this.#derive(this.getExecutor()) as never
  }
  /** Not available in a scope: start a nested `db.scope()` instead (it becomes a savepoint). */
  override startTransaction(): never {
    throw new ConfigError('tx.startTransaction() is not available inside db.scope(); call db.scope() again to nest a savepoint.')
  }

  #derive(executor: KyselyProps['executor']): ScopeTransaction<DB> {
    return new ScopeTransaction<DB>({ ...this.#frame.props, executor }, this.#frame)
  }
}

/**
 * A transaction opened by hand with `db.begin()`. Dispose rolls back and releases unless `commit()` or `rollback()`
 * ran. It is not entered into the async context: `db.scope()` inside it does not nest.
 *
 * @example
 * await using tx = await db.begin()
 * await tx.insertInto('users').values(row).execute()
 * await tx.commit()
 */
export class ManualTransaction<DB> extends ScopeTransaction<DB> {
  readonly #root: RootFrame
  /** @internal */
  constructor(props: KyselyProps, root: RootFrame) {
    super(props, root)
    this.#root = root
  }
  /** Whether commit() or rollback() already ran. */
  get ended(): boolean {
    return this.#root.ended
  }
  /** Commits, releases, then runs afterCommit hooks. Throws the COMMIT's error (after rolling back) if it fails. */
  commit(): Promise<void> {
    return this.#root.finish(true)
  }
  /** Rolls back, releases, then runs afterRollback hooks. */
  rollback(): Promise<void> {
    return this.#root.finish(false)
  }
  /** Rolls back and releases if neither commit() nor rollback() ran. */
  override async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#root.ended) await this.#root.end(false)
  }
}

/**
 * The async context of active scopes. Kept on globalThis, like the engine registry, so that a module evaluated again
 * (hot reload) still sees the scopes opened by its earlier version: nesting and the foreign-query guard keep working.
 */
const ALS_KEY = Symbol.for('dbscope.scope-context.v1')
const als: AsyncLocalStorage<Frame> = ((globalThis as unknown as Record<symbol, AsyncLocalStorage<Frame> | undefined>)[ALS_KEY] ??=
  new AsyncLocalStorage<Frame>())

/** The innermost active frame of this engine in the current async context. */
export function activeFrame(engine: Engine): Frame | undefined {
  for (let f = als.getStore(); f; f = f.parentInContext) if (f.root.engine === engine && !f.ended && !f.root.ended) return f
  return undefined
}

/**
 * Like activeFrame, but refuses code that still runs for a scope that timed out: its work was rolled back, so a
 * db.scope() it starts must not quietly become a new transaction of its own. (Code that outlives a scope that ended
 * normally — a fire-and-forget task — starts a new scope as usual.)
 */
function enclosingFrame(engine: Engine): Frame | undefined {
  for (let f = als.getStore(); f; f = f.parentInContext) {
    if (f.root.engine !== engine) continue
    if (!f.ended && !f.root.ended) return f
    if (f.timedOut || f.root.timedOut) {
      throw new ScopeEndedError('This code runs for a scope that timed out and was rolled back; it cannot start another scope.')
    }
  }
  return undefined
}

/** Installs the foreign-connection guard on an engine: a `db.kysely` query while a scope of it is active here. */
export function installForeignQueryGuard(engine: Engine): void {
  const mode = engine.config.guard.foreignQuery
  if (mode === 'off') return
  engine.beforeRootQuery = () => {
    if (!activeFrame(engine)) return
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 50
    const err = new ForeignConnectionError()
    Error.stackTraceLimit = limit
    if (mode === 'throw') throw err
    engine.warn(`${err.message}\n${callerFrames(err.stack)}`)
  }
}

/** The stack without Kysely's and dbscope's own frames: where the user's code sent the query. */
function callerFrames(stack: string | undefined): string {
  const lines = (stack ?? '').split('\n').slice(1)
  const mine = lines.filter((l) => !/node_modules[\\/]kysely|node:internal|[\\/]src[\\/](scope|engine|db)\.[jt]s|[\\/]dist[\\/]src[\\/]/.test(l))
  return (mine.length > 0 ? mine : lines).slice(0, 8).join('\n')
}

/** State shared by a scope and its `tx`: the connection provider, the hooks, and whether it has ended. */
abstract class Frame implements StatementRunner {
  readonly root: RootFrame
  readonly parentInContext: Frame | undefined
  readonly props: KyselyProps
  ended = false
  /** The deadline passed: expire() ended the frame (within a grace), so the scope does not wait for it again. */
  timedOut = false
  /** The failure that aborted this (sub)transaction: it can only roll back now. */
  abortedBy: unknown = undefined
  commitHooks: Hook[] | undefined
  rollbackHooks: Hook[] | undefined
  /** The last nested scope started directly under this one: siblings run one after another. */
  childTail: Promise<void> | undefined
  #ending: Promise<void> | undefined

  constructor(engine: Engine, root: RootFrame | undefined, parentInContext: Frame | undefined) {
    this.root = root ?? (this as unknown as RootFrame)
    this.parentInContext = parentInContext
    const p = engine.props
    this.props = { config: p.config, dialect: p.dialect, driver: p.driver, executor: engine.scopeExecutor(this) }
    // Assigned here rather than as a class field: a field's arrow gets a name, which esbuild (tsx) sets by a
    // defineProperty call on every scope.
    this.failed = (err) => {
      this.root.settled(undefined)
      this.noteFailure(err)
      throw err
    }
  }

  abstract provideConnection<T>(consumer: Consumer<T>): Promise<T>

  /** Runs one statement of this frame (the `tx` executor's path). */
  abstract execute<R>(q: CompiledQuery): Promise<QueryResult<R>>

  /** A failed statement of this frame: noted, then rethrown (one function per frame, not a closure per statement). */
  readonly failed: (err: unknown) => never

  addHook(commit: boolean, fn: Hook): void {
    if (this.ended) throw new ScopeEndedError('This scope has ended: register afterCommit/afterRollback hooks inside its callback.')
    if (typeof fn !== 'function') throw new ConfigError('afterCommit/afterRollback take a function.')
    if (commit) (this.commitHooks ??= []).push(fn)
    else (this.rollbackHooks ??= []).push(fn)
  }

  /** Records a statement failure: on PostgreSQL any error aborts the (sub)transaction; on MySQL a deadlock the whole one. */
  noteFailure(err: unknown): void {
    if (!(err instanceof QueryError)) return
    if (this.root.engine.driver.name !== 'mysql') this.abortedBy ??= err
    else if (err.code === 'DEADLOCK') this.root.abortedBy ??= err
  }

  /** Ends the frame once: commit (release) or roll back; later calls share the first one's outcome. */
  end(commit: boolean): Promise<void> {
    return (this.#ending ??= this.finishOnce(commit))
  }

  protected abstract finishOnce(commit: boolean): Promise<void>

  /**
   * At the deadline: no more statements; cancel the one running, then roll back. Resolves when that is done or after
   * a short grace, whichever comes first, so the scope rejects at the deadline; the cleanup finishes in the background.
   */
  expire(): Promise<void> {
    this.timedOut = true
    this.ended = true
    const cleanup = this.root.cancelRunning().then(() => this.end(false)).catch(noop)
    return Promise.race([cleanup, sleep(TIMEOUT_GRACE_MS)])
  }
}

/** The outermost scope: owns the connection, BEGIN, COMMIT/ROLLBACK and the release. */
class RootFrame extends Frame {
  readonly engine: Engine
  readonly #begin: readonly string[]
  #conn: ScopeConnection | undefined
  #acquiring: Promise<ScopeConnection> | undefined
  #inFlight = 0
  /** A cancel was sent: the connection is destroyed at the end rather than risk the cancel landing on later work. */
  #cancelled = false
  savepoints = 0

  /**
   * Where the scope began, for the leak warning: captured when the scope starts (see captureOrigin), or false when
   * the watch is off.
   */
  readonly #origin: Origin | false

  constructor(engine: Engine, begin: readonly string[], parentInContext: Frame | undefined, origin: Origin | undefined) {
    super(engine, undefined, parentInContext)
    this.engine = engine
    this.#begin = begin
    this.#origin = origin ?? false
    this.settled = (value) => {
      this.#inFlight--
      return value
    }
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
    this.ended = true
    // A statement may still be taking the connection: let it settle so that connection is released too.
    if (this.#acquiring && !this.#conn) await this.#acquiring.catch(noop)
    const conn = this.#conn
    let failure: unknown
    if (commit && this.abortedBy !== undefined) {
      failure = new TransactionAbortedError(this.abortedBy)
      commit = false
    }
    if (conn) {
      let destroy = this.#cancelled
      // A broken connection is not sent a ROLLBACK (it is destroyed); a COMMIT is still sent, so that the scope
      // rejects with the driver's own (classified) connection error.
      if (conn.begun && !commit && conn.broken) destroy = true
      else if (conn.begun) {
        try {
          await conn.control(commit ? COMMIT : ROLLBACK)
        } catch (err) {
          if (commit) {
            failure = err
            commit = false
            // A failed COMMIT ends the transaction on PostgreSQL; make sure on every dialect.
            await conn.control(ROLLBACK).catch(() => (destroy = true))
          } else destroy = true
        }
      }
      this.engine.release(conn.checkout, destroy || conn.broken)
    }
    const hooks = commit ? this.commitHooks : this.rollbackHooks
    if (hooks) await runHooks(this.engine, hooks)
    if (failure !== undefined) throw failure
  }
}

/** A savepoint inside a root scope: same connection, its own rollback point and hooks. */
class SavepointFrame extends Frame {
  readonly parent: Frame
  readonly name: string
  #created: Promise<void> | undefined

  constructor(engine: Engine, parent: Frame, parentInContext: Frame | undefined) {
    super(engine, parent.root, parentInContext)
    this.parent = parent
    this.name = `dbscope_sp_${++parent.root.savepoints}`
  }

  async provideConnection<T>(consumer: Consumer<T>): Promise<T> {
    if (this.ended) throw this.root.endedError()
    await (this.#created ??= this.#create())
    return this.root.run(this, consumer)
  }

  async execute<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    if (this.ended) throw this.root.endedError()
    await (this.#created ??= this.#create())
    return this.root.runStatement(this, q)
  }

  /** SAVEPOINT, lazily: after the enclosing savepoint's, and carrying BEGIN when it is the scope's first statement. */
  async #create(): Promise<void> {
    if (this.parent instanceof SavepointFrame) await this.parent.ensureCreated()
    const conn = await this.root.connect()
    if (this.ended || this.root.ended) throw this.root.endedError()
    await conn.send(CompiledQuery.raw(`SAVEPOINT ${this.name}`))
  }

  async ensureCreated(): Promise<void> {
    await (this.#created ??= this.#create())
  }

  /** RELEASE or ROLLBACK TO the savepoint; hooks move to the parent (commit) or wait for the root's end (rollback). */
  protected async finishOnce(commit: boolean): Promise<void> {
    this.ended = true
    const root = this.root
    let failure: unknown
    if (commit && this.abortedBy !== undefined) {
      failure = new TransactionAbortedError(this.abortedBy)
      commit = false
    }
    const created = this.#created ? await this.#created.then(() => true, () => false) : false
    if (created && !root.ended && root.connection) {
      try {
        await root.connection.control(CompiledQuery.raw(`${commit ? 'RELEASE SAVEPOINT' : 'ROLLBACK TO SAVEPOINT'} ${this.name}`))
      } catch (err) {
        // The savepoint is gone (MySQL ends the whole transaction on a deadlock) or the connection broke: the
        // transaction as a whole can only roll back now.
        root.abortedBy ??= this.abortedBy ?? err
        if (commit) failure = err
        commit = false
      }
    }
    if (commit) {
      if (this.commitHooks) (this.parent.commitHooks ??= []).push(...this.commitHooks)
      if (this.rollbackHooks) (this.parent.rollbackHooks ??= []).push(...this.rollbackHooks)
    } else if (this.rollbackHooks) {
      // The work is undone whatever the outer outcome: run these once the root has released the connection.
      ;(root.commitHooks ??= []).push(...this.rollbackHooks)
      ;(root.rollbackHooks ??= []).push(...this.rollbackHooks)
    }
    if (failure !== undefined) throw failure
  }
}

const RETRYABLE_CODES = new Set(['SERIALIZATION_FAILURE', 'DEADLOCK', 'LOCK_TIMEOUT', 'STALE_STATEMENT'])

/**
 * The default retry test: a serialization failure, deadlock, lock timeout or stale prepared statement, itself or as
 * the `cause`.
 *
 * @example
 * await db.scope(work, { retry: { attempts: 3, when: (e) => isRetryableByDefault(e) || e instanceof ConnectionLostError } })
 */
export function isRetryableByDefault(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DbscopeError && RETRYABLE_CODES.has(e.code)) return true
  }
  return false
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

const beginCache = new WeakMap<Engine, Map<string, readonly string[]>>()

/** The BEGIN statements for these options, computed once per engine and settings. */
function beginFor(engine: Engine, opts: ScopeOptions): readonly string[] {
  let m = beginCache.get(engine)
  if (!m) beginCache.set(engine, (m = new Map()))
  const key = opts.isolation === undefined && opts.readOnly === undefined ? '' : `${opts.isolation ?? ''}|${opts.readOnly ?? ''}`
  let b = m.get(key)
  if (!b) {
    const s: { -readonly [K in keyof TransactionSettings]: TransactionSettings[K] } = {}
    if (opts.isolation) s.isolationLevel = opts.isolation
    if (opts.readOnly !== undefined) s.accessMode = opts.readOnly ? 'read only' : 'read write'
    m.set(key, (b = engine.driver.beginSql(s)))
  }
  return b
}

function checkOptions(opts: ScopeOptions): void {
  const t = opts.timeoutMs
  if (t !== undefined && !(typeof t === 'number' && t > 0 && Number.isFinite(t))) {
    throw new ConfigError(`timeoutMs must be a positive number of milliseconds, got ${String(t)}.`)
  }
  const p = opts.propagation
  if (p !== undefined && p !== 'nested' && p !== 'required' && p !== 'requiresNew') {
    throw new ConfigError(`propagation must be 'nested', 'required' or 'requiresNew', got ${JSON.stringify(p)}.`)
  }
}

/** Runs `fn` in a scope of `engine`: see `Db.scope`. */
export function runScope<DB, T>(engine: Engine, fn: (tx: ScopeTransaction<DB>) => Promise<T>, opts: ScopeOptions = {}): Promise<T> {
  let outer: Frame | undefined
  try {
    engine.assertUsable()
    checkOptions(opts)
    outer = enclosingFrame(engine)
  } catch (err) {
    return Promise.reject(err)
  }
  if (outer && opts.propagation === 'requiresNew' && outer.root.connection && engine.pool.options.max <= 1) {
    return Promise.reject(
      new ConfigError(
        "propagation 'requiresNew' needs a second connection, but the pool has one (pool.max 1, or PGlite's single " +
          "session) and the enclosing scope holds it, so it would wait forever. Use 'nested', or raise pool.max.",
      ),
    )
  }
  if (outer && opts.propagation !== 'requiresNew') {
    if (opts.isolation !== undefined || opts.readOnly !== undefined) {
      return Promise.reject(
        new ConfigError(
          'isolation and readOnly can only be set on the outermost scope, and this one is nested. Use ' +
            "propagation: 'requiresNew' for a separate transaction with its own settings.",
        ),
      )
    }
    return opts.propagation === 'required' ? runJoined(outer, fn, opts) : runNested(engine, outer, fn, opts)
  }
  const context = als.getStore()
  const origin = scopeOrigin(engine, runScope, typeof fn === 'function' ? fn.name : '')
  if (opts.retry === undefined) return runRoot(engine, fn, opts, context, origin)
  return runWithRetry(opts, () => runRoot(engine, fn, opts, context, origin))
}

/** Frames kept of where a scope began: the public method's (left out of the warning) and two of its callers'. */
const SCOPE_FRAMES = 3

/**
 * Where an outermost scope begins, for the leak warning: the stack above `from`, plus the callback's name. Captured
 * once per scope, here rather than at its first statement, where Kysely's frames would come first and cost as much.
 */
function scopeOrigin(engine: Engine, from: Function, name: string): Origin | undefined {
  return engine.config.pool.leakWarnMs > 0 ? captureOrigin(SCOPE_FRAMES, from, name || undefined) : undefined
}

/** Runs `once` (a whole outermost scope) again on a retryable failure, with jittered exponential backoff. */
async function runWithRetry<T>(opts: ScopeOptions, once: () => Promise<T>): Promise<T> {
  const retry: RetryOptions = typeof opts.retry === 'number' ? { attempts: opts.retry } : (opts.retry ?? {})
  const attempts = retry.attempts ?? 3
  if (!Number.isInteger(attempts) || attempts < 1) throw new ConfigError(`retry.attempts must be an integer ≥ 1, got ${String(attempts)}.`)
  const when = retry.when ?? isRetryableByDefault
  const base = retry.backoff?.baseMs ?? 10
  const cap = retry.backoff?.maxMs ?? 1_000
  for (let attempt = 1; ; attempt++) {
    try {
      return await once()
    } catch (err) {
      if (attempt >= attempts || !when(err)) throw err
      const d = Math.min(cap, base * 2 ** (attempt - 1))
      await sleep(d / 2 + Math.random() * (d / 2))
    }
  }
}

/** Opens a manual transaction (not entered into the async context): see `Db.begin`. */
export function beginManual<DB>(engine: Engine, opts: Pick<ScopeOptions, 'isolation' | 'readOnly'> = {}): ManualTransaction<DB> {
  engine.assertUsable()
  const frame = new RootFrame(engine, beginFor(engine, opts), undefined, scopeOrigin(engine, beginManual, ''))
  return new ManualTransaction<DB>(frame.props, frame)
}

function runRoot<DB, T>(
  engine: Engine,
  fn: (tx: ScopeTransaction<DB>) => Promise<T>,
  opts: ScopeOptions,
  context: Frame | undefined,
  origin: Origin | undefined,
): Promise<T> {
  return runFrame(new RootFrame(engine, beginFor(engine, opts), context, origin), fn, opts.timeoutMs)
}

/** Runs `fn` with `frame` as the active scope: its end commits on success and rolls back on a throw or the deadline. */
async function runFrame<DB, T>(frame: Frame, fn: (tx: ScopeTransaction<DB>) => Promise<T>, timeoutMs: number | undefined): Promise<T> {
  let result: T
  try {
    const work = als.run(frame, fn, new ScopeTransaction<DB>(frame.props, frame))
    result = timeoutMs === undefined ? await work : await withDeadline(work, timeoutMs, frame)
  } catch (err) {
    // A timed-out frame was already ended by expire(), within its grace.
    if (!frame.timedOut) await frame.end(false).catch(noop)
    throw err
  }
  await frame.end(true)
  return result
}

/** A nested scope: a savepoint on the root's connection, after any sibling still running. */
async function runNested<DB, T>(engine: Engine, parent: Frame, fn: (tx: ScopeTransaction<DB>) => Promise<T>, opts: ScopeOptions): Promise<T> {
  const previous = parent.childTail
  let done!: () => void
  const mine = new Promise<void>((r) => (done = r))
  parent.childTail = mine
  try {
    // Two savepoints interleaved on one connection would roll back each other's work: run siblings in turn.
    if (previous) await previous
    return await runFrame(new SavepointFrame(engine, parent, als.getStore()), fn, opts.timeoutMs)
  } finally {
    if (parent.childTail === mine) parent.childTail = undefined
    done()
  }
}

/** propagation 'required': run in the enclosing transaction; a throw marks it so that it can only roll back. */
async function runJoined<DB, T>(outer: Frame, fn: (tx: ScopeTransaction<DB>) => Promise<T>, opts: ScopeOptions): Promise<T> {
  if (opts.timeoutMs !== undefined) {
    throw new ConfigError("timeoutMs cannot be set on a scope with propagation 'required': set it on the enclosing scope, or use 'nested'.")
  }
  try {
    return await fn(new ScopeTransaction<DB>(outer.props, outer))
  } catch (err) {
    outer.abortedBy ??= err
    throw err
  }
}

/** Resolves with `work`, or at `ms` ends the frame (cancel, rollback) and rejects with ScopeTimeoutError. */
function withDeadline<T>(work: Promise<T>, ms: number, frame: Frame): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let expired = false
    const timer = setTimeout(() => {
      expired = true
      frame.expire().then(
        () => reject(new ScopeTimeoutError(ms)),
        (err: unknown) => reject(new ScopeTimeoutError(ms, { cause: err })),
      )
    }, ms)
    Promise.resolve(work).then(
      (v) => {
        if (expired) return
        clearTimeout(timer)
        resolve(v)
      },
      (e: unknown) => {
        if (expired) return
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}
