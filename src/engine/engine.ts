/**
 * The engine: one database's pool, dialect driver, Kysely instance and guard. Engines are created and found through
 * the process-wide registry (registry.ts), so there is one per database URL per process.
 *
 * @example
 * const engine = obtainEngine({ url: process.env.DATABASE_URL }, hooks)
 * const checkout = await engine.acquire()
 * try { await checkout.raw.query('SELECT 1', []) } finally { engine.release(checkout) }
 */
import { inspect } from 'node:util'
import type { CompiledQuery, Dialect, Kysely, KyselyProps, QueryResult } from 'kysely'
import { TIMED_OUT, within } from '../bounded.js'
import type { Checkout, Trace } from '../checkout.js'
import type { ResolvedConfig } from '../config.js'
import type { DialectDriver, RawConnection } from '../dialects/dialect.js'
import { driverFor } from '../dialects/driver-for.js'
import { SourceDriver } from '../dialects/kysely-driver.js'
import { ConfigError, ConnectError, EngineDisposedError, ForeignOwnerError } from '../errors.js'
import { currentOwner, decideBudget, isOwnedHere, leakMessage, type Owner } from '../guard.js'
import { Pool, type PoolStats } from '../pool.js'
import { redactSecrets, redactUrl } from '../redact.js'
import { StatementObserver } from '../telemetry/observer.js'
import { connectError } from './connect-error.js'
import { EngineConnection } from './connection.js'
import { enginePlugins } from './plugins.js'
import { RootExecutor } from './root-executor.js'
import { RootKysely, SHARED_DESTROY_WARNING } from './root-kysely.js'

/** What the layers above the engine plug into it when it is created. */
export interface EngineHooks {
  /** Runs before every statement or checkout through `db.kysely` (the scope layer's foreign-query guard). */
  readonly beforeRootQuery?: (engine: Engine) => void
  /** Runs once when the engine is disposed (the registry forgets it). */
  readonly onDispose?: (engine: Engine) => void
  /** What `db.kysely.destroy()` does (the db layer disposes the replicas too); default: `dispose()`. */
  readonly destroyKysely?: (engine: Engine) => Promise<void>
}

const TEST_TRANSACTION_DRIVER =
  'db.kysely.transaction(), connection() and streams take a connection of their own, outside the test transaction ' +
  '(db.beginTestTransaction()) that is open: use db.scope() instead, which joins it as a savepoint.'

/** The bound on the budget query when pool.connectTimeoutMs is 0 (no connect timeout). */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/** The first connection did not answer the budget query in time: it is dropped, and the next acquire tries again. */
function budgetUnanswered(server: string, ms: number): ConnectError {
  return new ConnectError(
    `Could not connect to ${server}: the server did not answer the connection budget query (guard.budget) within ` +
      `${ms} ms (pool.connectTimeoutMs). Check the server and the network.`,
    undefined,
  )
}

export class Engine {
  readonly key: string
  readonly config: ResolvedConfig
  readonly owner: Owner
  readonly hooks: EngineHooks
  readonly props: KyselyProps
  readonly kysely: Kysely<any>
  /** Spans, metrics, log events and slow-statement warnings; undefined when none of them is on. */
  readonly observer: StatementObserver | undefined
  readonly #executor: RootExecutor
  #driver: DialectDriver | undefined
  #pool: Pool | undefined
  #disposed = false
  #disposing: Promise<void> | undefined
  /**
   * While db.beginTestTransaction() is open: runs a `db.kysely` statement inside the test transaction instead of on a
   * pooled connection (set and cleared by scope/test-transaction.ts).
   */
  testStatement: (<R>(q: CompiledQuery) => Promise<QueryResult<R>>) | undefined
  /** What else closes with the engine (db.listen's connection). */
  readonly #closers: (() => Promise<void>)[] = []

  constructor(key: string, config: ResolvedConfig, generation: number, hooks: EngineHooks) {
    this.key = key
    this.config = config
    this.owner = currentOwner(generation)
    this.hooks = hooks
    this.observer = StatementObserver.for(this)
    const dialect: Dialect = {
      createDriver: () =>
        new SourceDriver<EngineConnection>({
          acquire: async () => {
            this.beforeRootQuery()
            if (this.testStatement) throw new ConfigError(TEST_TRANSACTION_DRIVER)
            return new EngineConnection(this, await this.acquire())
          },
          release: (c) => this.release(c.checkout, c.broken),
          beginSql: (settings) => this.driver.beginSql(settings),
          // Reached only from a Kysely derived from db.kysely (db.kysely's own destroy() is RootKysely's).
          destroy: async () => this.warn(SHARED_DESTROY_WARNING),
        }),
      createQueryCompiler: () => this.driver.createQueryCompiler(),
      createAdapter: () => this.driver.createAdapter(),
      createIntrospector: (db) => this.driver.createIntrospector(db),
    }
    const driver = dialect.createDriver()
    const plugins = enginePlugins(config)
    this.#executor = new RootExecutor(this, dialect, driver, plugins)
    this.props = { config: { dialect, plugins }, dialect, driver, executor: this.#executor }
    this.kysely = new RootKysely(this.props, () => this.hooks.destroyKysely?.(this) ?? this.dispose())
  }

  /** The dialect driver (created on first use; it needs no connection). */
  get driver(): DialectDriver {
    return (this.#driver ??= driverFor(this.config, (m) => this.warn(m)))
  }

  /** The executor behind `db.kysely`; scopes share its compiler, adapter and plugins. */
  get executor(): RootExecutor {
    return this.#executor
  }

  get disposed(): boolean {
    return this.#disposed
  }

  /** Runs the hook that guards statements through `db.kysely`. */
  beforeRootQuery(): void {
    this.hooks.beforeRootQuery?.(this)
  }

  /** Checks the owner stamp and the disposed flag; throws ForeignOwnerError/EngineDisposedError. */
  assertUsable(): void {
    if (this.#disposed) {
      throw new EngineDisposedError(
        `This db (${this.describe()}) was disposed. Call defineDb() again, or set guard.owner to 'recreate'.`,
      )
    }
    if (!isOwnedHere(this.owner)) {
      throw new ForeignOwnerError(
        `This db (${this.describe()}) belongs to process ${this.owner.pid} thread ${this.owner.threadId}, not ` +
          `process ${process.pid}: a pool must never be shared across processes. Call defineDb() in each process.`,
      )
    }
  }

  /**
   * Takes a connection from the pool (creating the pool on first use). `trace` records the caller's stack for the
   * leak warning; it must be called synchronously from the code that will hold the connection.
   */
  acquire(trace: Trace = true): Promise<Checkout> {
    if (this.#disposed || !isOwnedHere(this.owner)) this.assertUsable()
    const checkout = (this.#pool ?? this.pool).acquire(trace)
    return this.observer === undefined ? checkout : this.observer.acquire(checkout)
  }

  /** An idle connection at once when the pool has one ready, or undefined (then use acquire()). */
  acquireIdle(trace: Trace = true): Checkout | undefined {
    if (this.#disposed || !isOwnedHere(this.owner)) this.assertUsable()
    const checkout = this.#pool?.acquireIdle(trace)
    if (checkout && this.observer) this.observer.acquiredIdle()
    return checkout
  }

  /**
   * Opens one connection; any failure becomes a ConnectError whose message names the server, never the password:
   * not retryable when a TLS check failed, with the password function's own error as the cause when that failed.
   */
  async #connect(): Promise<RawConnection> {
    try {
      return await this.driver.connect()
    } catch (err) {
      if (err instanceof ConfigError) throw err
      throw connectError(this.describe(), err, (text) => this.redact(text), this.config.password?.dynamic === true)
    }
  }

  release(c: Checkout, destroy = false): void {
    this.#pool?.release(c, destroy)
  }

  get pool(): Pool {
    if (this.#pool) return this.#pool
    const c = this.config
    const d = this.driver
    this.#pool = new Pool(
      () => this.#connect(),
      { ...c.pool, max: Math.min(c.pool.max, d.maxPoolSize) },
      {
        leak: (checkout, heldMs) => this.warn(leakMessage(checkout, heldMs)),
        error: (err) => this.warn(`A background connection error was handled: ${err.message}`),
        firstConnect: c.guard.budget === 'off' ? undefined : async (raw) => {
          // Bounded like the connect itself: the pool's other callers wait behind this first connection.
          const ms = c.pool.connectTimeoutMs || DEFAULT_CONNECT_TIMEOUT_MS
          const budget = await within(d.readBudget(raw, c.applicationName), ms)
          if (budget === TIMED_OUT) throw budgetUnanswered(this.describe(), ms)
          const decision = decideBudget(c, budget)
          if (decision.max !== this.#pool!.options.max) this.#pool!.resize(decision.max)
          if (decision.warning) this.warn(decision.warning)
        },
      },
    )
    return this.#pool
  }

  /** The pool's maximum now (the budget guard may have lowered it), or the configured one before first use. */
  get poolMax(): number {
    return this.#pool?.options.max ?? this.config.pool.max
  }

  stats(): PoolStats {
    return this.#pool?.stats() ?? { total: 0, idle: 0, busy: 0, waiting: 0, oldestCheckoutMs: 0 }
  }

  /** Maps a driver error (on `conn`, when known) to a typed error, with secrets removed from its message. */
  classify(err: unknown, conn?: RawConnection): unknown {
    const e = this.driver.classify(err, conn)
    if (e instanceof Error && this.#secrets().length > 0) e.message = this.redact(e.message)
    return e
  }

  redact(text: string): string {
    return redactSecrets(text, this.#secrets())
  }

  /** The URL's password, or the connection object's (a function's recent answers included). */
  #secrets(): readonly string[] {
    const fromFunction = this.config.password?.dynamic ? this.config.password.secrets : []
    return fromFunction.length === 0 ? this.config.secrets : [...this.config.secrets, ...fromFunction]
  }

  warn(message: string): void {
    this.config.logger.warn(`[dbscope] ${this.redact(message)}`)
  }

  /** The URL without its password, or "PGlite". */
  describe(): string {
    return this.config.url ? redactUrl(this.config.url) : 'PGlite (embedded)'
  }

  /**
   * Closes the pool and marks the engine disposed (the registry forgets it). Queries waiting for a connection fail at
   * once; busy connections get `graceMs` to come back. After that their statements are cancelled on the server
   * (CancelRequest, KILL QUERY), their work fails with EngineDisposedError, and the connections are closed. Safe to
   * call twice.
   */
  dispose(graceMs = 5_000): Promise<void> {
    if (this.#disposing) return this.#disposing
    this.#disposed = true
    this.hooks.onDispose?.(this)
    this.observer?.dispose()
    this.#disposing = (async () => {
      await Promise.all(this.#closers.map((close) => close().catch(() => undefined)))
      await this.#pool?.close(graceMs, (raw) => this.driver.cancel(raw))
      await this.#driver?.end()
    })()
    return this.#disposing
  }

  /** Registers what else closes when the engine is disposed (a connection outside the pool). */
  addCloser(close: () => Promise<void>): void {
    this.#closers.push(close)
  }

  /** The error for work on a connection that dispose() cut after its grace. */
  cutError(cause?: unknown): EngineDisposedError {
    return new EngineDisposedError(
      `This db (${this.describe()}) was disposed while this work ran: after the grace given to dispose(), its statement ` +
        'was cancelled on the server and its connection closed (a transaction that had not committed is rolled back). ' +
        'Do not retry it in this process: it is shutting down.',
      cause === undefined ? undefined : { cause },
    )
  }

  [inspect.custom](): string {
    return `Engine { ${this.describe()}, ${JSON.stringify(this.stats())} }`
  }

  /** What a logger serializing the engine sees: the redacted URL and the stats, never `config.url`. */
  toJSON(): object {
    return { url: this.describe(), owner: this.owner, stats: this.stats() }
  }
}
