/**
 * The engine: one pool per database URL per process, created on first use, kept in a process-wide registry so that
 * a module evaluated again (hot reload, a test re-import) finds the same pool instead of leaking a new one.
 */
import { inspect } from 'node:util'
import {
  CamelCasePlugin,
  DefaultConnectionProvider,
  DefaultQueryExecutor,
  Kysely,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type KyselyPlugin,
  type KyselyProps,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'
import { CompiledQuery as CQ } from 'kysely'
import type { DbConfig, ResolvedConfig } from './config.js'
import { comparableOptions, engineKey, resolveConfig } from './config.js'
import type { DialectDriver, RawConnection } from './dialects/dialect.js'
import { lazyDriver } from './dialects/index.js'
import { ConfigError, DbscopeError, EngineDisposedError, ForeignOwnerError, redactSecrets, redactUrl } from './errors.js'
import { currentOwner, decideBudget, isOwnedHere, leakMessage, type Owner } from './guard.js'
import { Pool, type Checkout, type PoolStats, type Trace } from './pool.js'
import { assertPoolerSafe } from './pooler.js'
import { ScopeExecutor, type StatementRunner } from './scope-executor.js'

const REGISTRY = Symbol.for('dbscope.engines.v1')
const PGLITE_IDS = Symbol.for('dbscope.pglite-ids.v1')
type Registry = Map<string, Engine>
const g = globalThis as unknown as { [REGISTRY]?: Registry; [PGLITE_IDS]?: WeakMap<object, string> }

/** The process-wide registry (survives module re-evaluation). */
export function registry(): Registry {
  return (g[REGISTRY] ??= new Map())
}

function pgliteId(p: object): string {
  const ids = (g[PGLITE_IDS] ??= new WeakMap())
  let id = ids.get(p)
  if (!id) ids.set(p, (id = `${process.pid}.${++counters.pglite}`))
  return id
}

const COUNTERS = Symbol.for('dbscope.counters.v1')
/** Engine generations and PGlite ids, on globalThis so a re-evaluated module never hands out a number twice. */
const counters = ((g as unknown as Record<symbol, { generation: number; pglite: number } | undefined>)[COUNTERS] ??= { generation: 0, pglite: 0 })

/** A connection failure when opening a connection, with the URL redacted. */
export class ConnectError extends DbscopeError {
  constructor(message: string, cause: unknown) {
    super('CONNECT_FAILED', message, { cause, retryable: true })
  }
}

/** Kysely's view of one checkout: runs statements and classifies driver errors. */
export class EngineConnection implements DatabaseConnection {
  readonly checkout: Checkout
  readonly #engine: Engine
  /** Set when a statement failed in a way that leaves the connection unusable. */
  broken = false

  constructor(engine: Engine, checkout: Checkout) {
    this.#engine = engine
    this.checkout = checkout
    // Assigned here, not as a class field: esbuild (tsx) names a field's arrow with a defineProperty call.
    this.#fail = (err) => {
      throw this.fail(err)
    }
  }

  get raw(): RawConnection {
    return this.checkout.raw
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
    if (this.#engine.driver.isConnectionError(err) || this.checkout.raw.broken) this.broken = true
    return this.#engine.classify(err)
  }
}

/** The Kysely driver behind `db.kysely`: every checkout goes through the engine's pool and guard. */
class EngineKyselyDriver implements Driver {
  readonly #engine: Engine
  constructor(engine: Engine) {
    this.#engine = engine
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    this.#engine.beforeRootQuery?.()
    return new EngineConnection(this.#engine, await this.#engine.acquire())
  }
  async beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    for (const s of this.#engine.driver.beginSql(settings)) await c.executeQuery(CQ.raw(s))
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CQ.raw('COMMIT'))
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CQ.raw('ROLLBACK'))
  }
  async savepoint(c: DatabaseConnection, name: string): Promise<void> {
    await c.executeQuery(CQ.raw(`SAVEPOINT ${quoteSavepoint(name)}`))
  }
  async rollbackToSavepoint(c: DatabaseConnection, name: string): Promise<void> {
    await c.executeQuery(CQ.raw(`ROLLBACK TO SAVEPOINT ${quoteSavepoint(name)}`))
  }
  async releaseSavepoint(c: DatabaseConnection, name: string): Promise<void> {
    await c.executeQuery(CQ.raw(`RELEASE SAVEPOINT ${quoteSavepoint(name)}`))
  }
  async releaseConnection(c: DatabaseConnection): Promise<void> {
    const ec = c as EngineConnection
    this.#engine.release(ec.checkout, ec.broken)
  }
  async destroy(): Promise<void> {
    await this.#engine.dispose()
  }
}

/**
 * The executor behind `db.kysely`. A single autocommit statement holds its connection only for its own round trip,
 * so it skips a connection-provider layer and the leak watch's stack capture (a leak warning names its SQL instead).
 * Everything else (transaction(), connection(), streams) goes through the driver and is traced.
 */
class RootExecutor extends DefaultQueryExecutor {
  readonly #engine: Engine
  readonly #compiler: QueryCompiler
  constructor(engine: Engine, dialect: Dialect, driver: Driver, plugins: KyselyPlugin[]) {
    const compiler = dialect.createQueryCompiler()
    super(compiler, dialect.createAdapter(), new DefaultConnectionProvider(driver), plugins)
    this.#engine = engine
    this.#compiler = compiler
  }

  /** The executor of a scope's `tx`: same compiler, adapter and plugins, statements run by the scope's frame. */
  forScope(runner: StatementRunner): ScopeExecutor {
    return new ScopeExecutor(this.#compiler, this.adapter, runner, this.plugins)
  }

  override async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const engine = this.#engine
    engine.beforeRootQuery?.()
    const conn = new EngineConnection(engine, await engine.acquire(false))
    let result: QueryResult<R>
    try {
      result = await conn.executeQuery<R>(compiledQuery)
    } finally {
      engine.release(conn.checkout, conn.broken)
    }
    for (const plugin of this.plugins) {
      result = (await plugin.transformResult({ result: result as QueryResult<any>, queryId: compiledQuery.queryId })) as QueryResult<R>
    }
    return result
  }
}

function quoteSavepoint(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ConfigError(`Savepoint names must be plain identifiers, got ${JSON.stringify(name)}.`)
  return name
}

/** One database's pool, Kysely instance, guard and registry entry. */
export class Engine {
  readonly key: string
  readonly config: ResolvedConfig
  readonly owner: Owner
  readonly props: KyselyProps
  readonly kysely: Kysely<any>
  readonly #executor: RootExecutor
  /** Set by the scope module: warns or throws when `db.kysely` is used inside an active scope. */
  beforeRootQuery: (() => void) | undefined
  #driver: DialectDriver | undefined
  #pool: Pool | undefined
  #disposed = false
  #disposing: Promise<void> | undefined

  constructor(key: string, config: ResolvedConfig) {
    this.key = key
    this.config = config
    this.owner = currentOwner(++counters.generation)
    const dialectDriver = () => this.driver
    const engine = this
    const dialect: Dialect = {
      createDriver: () => new EngineKyselyDriver(engine),
      createQueryCompiler: () => dialectDriver().createQueryCompiler(),
      createAdapter: () => dialectDriver().createAdapter(),
      createIntrospector: (db) => dialectDriver().createIntrospector(db),
    }
    const driver = dialect.createDriver()
    const plugins: KyselyPlugin[] = config.camelCase ? [new CamelCasePlugin()] : []
    const executor = new RootExecutor(this, dialect, driver, plugins)
    this.#executor = executor
    this.props = { config: { dialect, plugins }, dialect, driver, executor }
    this.kysely = new Kysely<any>(this.props)
  }

  /** The dialect driver (created on first use; it needs no connection). */
  get driver(): DialectDriver {
    return (this.#driver ??= lazyDriver(this.config, (m) => this.warn(m)))
  }

  get disposed(): boolean {
    return this.#disposed
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

  /** The executor for a scope's `tx` (see ScopeExecutor). */
  scopeExecutor(runner: StatementRunner): ScopeExecutor {
    return this.#executor.forScope(runner)
  }

  /**
   * Takes a connection from the pool (creating the pool on first use). `trace` records the caller's stack for the
   * leak warning; it must be called synchronously from the code that will hold the connection.
   */
  acquire(trace: Trace = true): Promise<Checkout> {
    if (this.#disposed || !isOwnedHere(this.owner)) this.assertUsable()
    return (this.#pool ?? this.pool).acquire(trace)
  }

  /** An idle connection at once when the pool has one ready, or undefined (then use acquire()). */
  acquireIdle(trace: Trace = true): Checkout | undefined {
    if (this.#disposed || !isOwnedHere(this.owner)) this.assertUsable()
    return this.#pool?.acquireIdle(trace)
  }

  /** Opens one connection; any failure becomes a ConnectError whose message names the server, never the password. */
  async #connect(): Promise<RawConnection> {
    try {
      return await this.driver.connect()
    } catch (err) {
      if (err instanceof ConfigError) throw err
      const why = err instanceof Error ? err.message : String(err)
      throw new ConnectError(
        `Could not connect to ${this.describe()}: ${this.redact(why)}. ` +
          'Check that the server is running and that the URL, user and password are right.',
        err,
      )
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
          const budget = await d.readBudget(raw, c.applicationName)
          const decision = decideBudget(c, budget)
          if (decision.max !== this.#pool!.options.max) this.#pool!.resize(decision.max)
          if (decision.warning) this.warn(decision.warning)
        },
      },
    )
    return this.#pool
  }

  stats(): PoolStats {
    return this.#pool?.stats() ?? { total: 0, idle: 0, busy: 0, waiting: 0, oldestCheckoutMs: 0 }
  }

  /** Maps a driver error to a typed error, with secrets removed from its message. */
  classify(err: unknown): unknown {
    const e = this.driver.classify(err)
    if (e instanceof Error && this.config.secrets.length > 0) e.message = this.redact(e.message)
    return e
  }

  redact(text: string): string {
    return redactSecrets(text, this.config.secrets)
  }

  warn(message: string): void {
    this.config.logger.warn(`[dbscope] ${this.redact(message)}`)
  }

  /** The URL without its password, or "PGlite". */
  describe(): string {
    return this.config.url ? redactUrl(this.config.url) : 'PGlite (embedded)'
  }

  /**
   * Closes the pool and removes the engine from the registry. Queries waiting for a connection fail at once; busy
   * connections get `graceMs` to come back before they are dropped. Safe to call twice.
   */
  dispose(graceMs = 5_000): Promise<void> {
    if (this.#disposing) return this.#disposing
    this.#disposed = true
    if (registry().get(this.key) === this) registry().delete(this.key)
    this.#disposing = (async () => {
      await this.#pool?.close(graceMs)
      await this.#driver?.end()
    })()
    return this.#disposing
  }

  [inspect.custom](): string {
    return `Engine { ${this.describe()}, ${JSON.stringify(this.stats())} }`
  }

  /** What a logger serializing the engine sees: the redacted URL and the stats, never `config.url`. */
  toJSON(): object {
    return { url: this.describe(), owner: this.owner, stats: this.stats() }
  }
}

/** Returns the engine for this config: the registered one when it matches, a new one otherwise. */
export function obtainEngine(config: DbConfig): Engine {
  const resolved = resolveConfig(config)
  const key = engineKey(resolved, pgliteId)
  const existing = registry().get(key)
  if (existing && !existing.disposed) {
    const a = JSON.stringify(comparableOptions(existing.config))
    const b = JSON.stringify(comparableOptions(resolved))
    if (a !== b || !sameSecrets(existing.config, resolved)) {
      throw new ConfigError(
        `defineDb was called twice for ${existing.describe()} with different options (${diffKeys(existing.config, resolved)}). ` +
          'One URL has one pool per process: define the db once in a shared module, or use the same options everywhere.',
      )
    }
    return existing
  }
  const engine = new Engine(key, resolved)
  registry().set(key, engine)
  return engine
}

/** Builds a fresh engine for the same config (guard.owner 'recreate'). */
export function recreateEngine(old: Engine): Engine {
  const current = registry().get(old.key)
  if (current && !current.disposed && isOwnedHere(current.owner)) return current
  const engine = new Engine(old.key, old.config)
  registry().set(old.key, engine)
  return engine
}

/** Whether two configs carry the same password (the registry key leaves it out). */
function sameSecrets(a: ResolvedConfig, b: ResolvedConfig): boolean {
  return a.secrets.length === b.secrets.length && a.secrets.every((s, i) => s === b.secrets[i])
}

function diffKeys(a: ResolvedConfig, b: ResolvedConfig): string {
  const ca = comparableOptions(a) as Record<string, unknown>
  const cb = comparableOptions(b) as Record<string, unknown>
  const out: string[] = []
  for (const k of Object.keys(ca)) {
    const va = ca[k]
    const vb = cb[k]
    if (va && vb && typeof va === 'object' && typeof vb === 'object') {
      for (const sub of Object.keys(va)) {
        const x = (va as Record<string, unknown>)[sub]
        const y = (vb as Record<string, unknown>)[sub]
        if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${k}.${sub}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`)
      }
    } else if (JSON.stringify(va) !== JSON.stringify(vb)) out.push(`${k}: ${JSON.stringify(va)} vs ${JSON.stringify(vb)}`)
  }
  if (!sameSecrets(a, b)) out.push('the password differs (dispose() the old db first when credentials rotate)')
  return out.join('; ')
}

/**
 * Disposes every engine in this process: waiting queries fail at once, busy connections get `graceMs` to come back.
 *
 * @example
 * afterAll(() => disposeAll())
 */
export async function disposeAll(graceMs?: number): Promise<void> {
  await Promise.all([...registry().values()].map((e) => e.dispose(graceMs)))
}

const SIGNAL_HOOKS = Symbol.for('dbscope.signal-hooks.v1')
const hooks = globalThis as unknown as { [SIGNAL_HOOKS]?: Map<NodeJS.Signals, () => void> }

/** How a graceful shutdown drains. */
export interface ShutdownOptions {
  /** Signals that start the drain (default `['SIGTERM', 'SIGINT']`). */
  readonly signals?: readonly NodeJS.Signals[]
  /** How long busy connections may take to come back before they are dropped (default 10 000 ms). */
  readonly graceMs?: number
}

/**
 * Graceful shutdown: on one of `signals`, every engine stops handing out connections, in-flight work gets `graceMs`
 * to finish, the pools close, and then the signal takes its default course (the process exits) unless another
 * listener for it is installed. Calling it again (a hot reload) does not add a second listener. Returns an uninstaller.
 *
 * @example
 * drainOnSignals({ signals: ['SIGTERM'], graceMs: 10_000 })
 * // or: defineDb({ url, shutdown: { signals: ['SIGTERM'] } })
 */
export function drainOnSignals(options: ShutdownOptions = {}): () => void {
  const installed = (hooks[SIGNAL_HOOKS] ??= new Map())
  const signals = options.signals ?? ['SIGTERM', 'SIGINT']
  const graceMs = options.graceMs ?? 10_000
  for (const signal of signals) {
    if (installed.has(signal)) continue
    const onSignal = () => {
      uninstall()
      void disposeAll(graceMs).finally(() => {
        // Nobody else handles it: re-raise so the process ends the way the signal means.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
      })
    }
    process.on(signal, onSignal)
    installed.set(signal, () => process.removeListener(signal, onSignal))
  }
  const uninstall = () => {
    for (const signal of signals) {
      installed.get(signal)?.()
      installed.delete(signal)
    }
  }
  return uninstall
}
