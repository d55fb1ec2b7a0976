/**
 * The handle users hold: `defineDb()` returns it; it finds (or registers) the engine for its URL and exposes
 * `kysely`, `replica`, `scope`, `begin`, `stats` and `dispose`.
 */
import { inspect } from 'node:util'
import type { Kysely } from 'kysely'
import type { DbConfig } from './config.js'
import type { Engine, EngineHooks } from './engine/engine.js'
import { obtainEngine, recreateEngine } from './engine/registry.js'
import { ReplicaSet } from './engine/replicas.js'
import { drainOnSignals } from './engine/shutdown.js'
import { ConfigError, EngineDisposedError, ForeignOwnerError } from './errors.js'
import type { Owner } from './guard.js'
import type { PoolStats } from './pool.js'
import { activeFrame } from './scope/context.js'
import { CurrentKysely } from './scope/current.js'
import { foreignQueryGuard } from './scope/foreign-query.js'
import type { BeginOptions, ScopeOptions } from './scope/options.js'
import { contextOf, type ContextOptions } from './scope/session-context.js'
import { keysOf, unknownKeyProblem } from './known-keys.js'
import { beginManual, runScope } from './scope/run.js'
import type { ManualTransaction, ScopeTransaction } from './scope/transaction.js'

/**
 * What the db and scope layers plug into every engine a db uses (the primary and its replicas): the foreign-query
 * guard, and `db.kysely.destroy()` as `db.dispose()`.
 */
const SCOPE_HOOKS: EngineHooks = { beforeRootQuery: foreignQueryGuard, destroyKysely: (e) => disposeWithReplicas(e, ReplicaSet.of(e)) }

/** `db.replica` without replicas: the primary, through a Kysely derived from db.kysely. */
const PRIMARY_AS_REPLICA = new WeakMap<Engine, Kysely<any>>()

/** `db.current` per engine. */
const CURRENT = new WeakMap<Engine, Kysely<any>>()

const CONTEXT_KEYS = keysOf<ContextOptions>({ settings: true, role: true })

/**
 * What `db.withContext()` returns: `scope`, `begin` and `current` that apply its settings and role.
 *
 * @example
 * const tenant = db.withContext({ settings: { 'app.tenant_id': String(req.tenantId) }, role: 'tenant_user' })
 * const orders = await tenant.current.selectFrom('orders').selectAll().execute()
 */
export interface DbContext<DB> {
  /** `db.scope()` with the context's settings and role (the options' own add to or override them). */
  scope<T>(fn: (tx: ScopeTransaction<DB>) => Promise<T>, options?: ScopeOptions): Promise<T>
  /** `db.begin()` with the context's settings and role. */
  begin(options?: BeginOptions): Promise<ManualTransaction<DB>>
  /**
   * `db.current` with the settings and role: in the active scope when it has them all, otherwise each statement in a
   * scope of its own that applies them (a savepoint inside an active scope).
   */
  readonly current: Kysely<DB>
}

/** `options` with the context's settings and role under its own. */
function withDefaults<O extends ContextOptions>(context: ContextOptions, options: O | undefined): O {
  const settings = context.settings || options?.settings ? { ...context.settings, ...options?.settings } : undefined
  const role = options?.role ?? context.role
  return { ...options, ...(settings ? { settings } : {}), ...(role !== undefined ? { role } : {}) } as O
}

/** Disposes an engine and its replica set. */
function disposeWithReplicas(engine: Engine, replicas: ReplicaSet | undefined, graceMs?: number): Promise<void> {
  return Promise.all([engine.dispose(graceMs), replicas?.dispose(graceMs)]).then(() => undefined)
}

/** What `db.stats()` returns. */
export type DbStats = PoolStats

/** A database: one engine (pool) per URL per process, typed by the generated `DB` interface. */
export class Db<DB> implements AsyncDisposable {
  #engine: Engine
  readonly #replicas: ReplicaSet | undefined

  /** @internal use defineDb() */
  constructor(engine: Engine, replicas?: ReplicaSet) {
    this.#engine = engine
    this.#replicas = replicas
  }

  /** The engine, checked against the guard: the owner stamp and the disposed flag. */
  #live(): Engine {
    const e = this.#engine
    if (!e.disposed && !isForeign(e)) return e
    if (e.config.guard.owner === 'recreate') {
      this.#engine = recreateEngine(e)
      return this.#engine
    }
    e.assertUsable()
    return e
  }

  /**
   * The engine behind `kysely` and `replica`: as #live(), but a disposed or foreign one is returned as it is, so that
   * the getter never throws; its statements, streams and transactions reject with the error instead.
   */
  #forKysely(): Engine {
    try {
      return this.#live()
    } catch {
      return this.#engine
    }
  }

  /**
   * The plain Kysely instance, for single autocommit statements. Its `destroy()` is `dispose()`; `destroy()` on a
   * Kysely derived from it (`withPlugin`, `withSchema`, …) or on `replica` only warns, since the pool is shared.
   *
   * @example
   * const n = await db.kysely.selectFrom('users').select(db.kysely.fn.countAll().as('n')).executeTakeFirstOrThrow()
   */
  get kysely(): Kysely<DB> {
    return this.#forKysely().kysely as Kysely<DB>
  }

  /**
   * A Kysely<DB> for reads on the replicas: each checkout goes to the next healthy replica, round robin (the primary
   * when none is healthy, or when no replicas are configured).
   *
   * @example
   * const users = await db.replica.selectFrom('users').selectAll().execute()
   */
  get replica(): Kysely<DB> {
    const live = this.#forKysely()
    if (this.#replicas) return this.#replicas.kysely as Kysely<DB>
    // Not db.kysely itself: db.replica.destroy() must not dispose the db, with replicas or without.
    let k = PRIMARY_AS_REPLICA.get(live)
    if (!k) PRIMARY_AS_REPLICA.set(live, (k = live.kysely.withTables()))
    return k as Kysely<DB>
  }

  /**
   * A Kysely for code that holds only `db`: inside a scope of this db its statements run in that scope's transaction
   * (its connection, after its BEGIN, in its savepoint, on the replica a readOnly scope went to); outside any scope
   * it is `db.kysely`. Never a foreign-query warning. Code that outlived its scope runs on the pool (or in an
   * enclosing scope still live), except after a scope that timed out: ScopeEndedError.
   *
   * @example
   * export const findUser = (id: number) => db.current.selectFrom('users').where('id', '=', id).selectAll().executeTakeFirst()
   * await findUser(1)                               // autocommit, on the pool
   * await db.scope(async () => { await findUser(1) }) // in the scope's transaction
   */
  get current(): Kysely<DB> {
    const live = this.#live()
    let k = CURRENT.get(live)
    if (!k) CURRENT.set(live, (k = new CurrentKysely(live)))
    return k as Kysely<DB>
  }

  /**
   * `scope`, `begin` and `current` bound to settings and a role, such as a tenant's: build one per request.
   *
   * @example
   * const tenant = db.withContext({ settings: { 'app.tenant_id': String(tenantId) }, role: 'tenant_user' })
   * await tenant.scope(async (tx) => tx.insertInto('orders').values(order).execute())
   * const rows = await tenant.current.selectFrom('orders').selectAll().execute()
   */
  withContext(context: ContextOptions): DbContext<DB> {
    if (typeof context !== 'object' || context === null) {
      throw new ConfigError(`db.withContext takes { settings, role }, got ${String(context)}.`)
    }
    const problem = unknownKeyProblem('db.withContext', context, CONTEXT_KEYS)
    if (problem) throw new ConfigError(problem)
    const bound = contextOf(context, 'db.withContext')
    if (!bound) throw new ConfigError("db.withContext needs settings or a role, such as { settings: { 'app.tenant_id': '42' } }.")
    const options: ContextOptions = { settings: Object.fromEntries(bound.settings), ...(bound.role !== undefined ? { role: bound.role } : {}) }
    const binding = { context: bound, options, scope: <T>(fn: (tx: ScopeTransaction<any>) => Promise<T>, o: ContextOptions) => this.scope(fn, o) }
    return {
      scope: (fn, o) => this.scope(fn, withDefaults(options, o)),
      begin: (o) => this.begin(withDefaults(options, o)),
      current: new CurrentKysely<DB>(this.#live(), binding),
    }
  }

  /** Each replica's redacted URL and whether it is in rotation (empty without replicas). */
  replicaHealth(): { url: string; healthy: boolean }[] {
    return this.#replicas?.health() ?? []
  }

  /** `'postgres'`, `'mysql'` or `'pglite'`. */
  get dialect(): 'postgres' | 'mysql' | 'pglite' {
    return this.#engine.config.dialect
  }

  /**
   * Runs `fn` in a transaction: commit on success, rollback on any throw (rethrown), the connection released
   * exactly once. Inside another scope of this db it becomes a savepoint. No connection is taken until the first
   * query, and BEGIN travels with that query.
   *
   * @example
   * const user = await db.scope(async (tx) => {
   *   const u = await tx.selectFrom('users').selectAll().where('id', '=', 1).executeTakeFirstOrThrow()
   *   tx.afterCommit(() => cache.delete('user:1'))
   *   return u
   * }, { isolation: 'serializable', retry: { attempts: 3 }, timeoutMs: 5_000 })
   */
  scope<T>(fn: (tx: ScopeTransaction<DB>) => Promise<T>, options?: ScopeOptions): Promise<T> {
    let primary: Engine
    try {
      primary = this.#live()
    } catch (err) {
      return Promise.reject(err) // a disposed or foreign db rejects, as every other failure of a scope does
    }
    // A readOnly root scope goes to a healthy replica; a replica that turns out unreachable leaves the rotation.
    // Inside an active scope (wherever it runs) it is not routed: it nests in that scope, where a readOnly option is
    // the usual ConfigError. The primary stays the scope's family, so scopes nested in it find it.
    const replica = options?.readOnly === true && !activeFrame(primary) ? this.#replicas?.pick() : undefined
    if (replica) return this.#replicas!.observe(replica, runScope<DB, T>(replica, fn, options, primary))
    return runScope<DB, T>(primary, fn, options)
  }

  /**
   * Opens a transaction by hand. Dispose rolls back unless `commit()` ran. With `readOnly: true` (outside a scope) it
   * goes to a replica, like a readOnly scope.
   *
   * @example
   * await using tx = await db.begin()
   * await tx.insertInto('users').values(row).execute()
   * await tx.commit()
   */
  async begin(options?: BeginOptions): Promise<ManualTransaction<DB>> {
    const primary = this.#live()
    // Routed like scope(): a readOnly transaction outside any scope goes to a healthy replica.
    const replica = options?.readOnly === true && !activeFrame(primary) ? this.#replicas?.pick() : undefined
    return beginManual<DB>(replica ?? primary, options, primary)
  }

  /**
   * `{ total, idle, busy, waiting, oldestCheckoutMs }` for this db's pool; never holds the URL or a password.
   *
   * @example
   * metrics.gauge('db.waiting', db.stats().waiting)
   */
  stats(): DbStats {
    return this.#engine.stats()
  }

  /**
   * Who owns the engine: the process, thread and generation it was created in. A recreate (guard.owner
   * `'recreate'`) moves to a new generation.
   *
   * @example
   * log.info(`db pool of pid ${db.owner.pid}, generation ${db.owner.generation}`)
   */
  get owner(): Owner {
    return this.#engine.owner
  }

  /**
   * Closes the pool and removes the engine from the registry: waiting queries fail at once, busy connections get
   * `graceMs` (default 5 000) to come back. Statements still running after that are cancelled on the server, and
   * their work rejects with a non-retryable EngineDisposedError.
   *
   * @example
   * process.once('SIGTERM', () => db.dispose(10_000))
   */
  dispose(graceMs?: number): Promise<void> {
    return disposeWithReplicas(this.#engine, this.#replicas, graceMs)
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose()
  }

  [inspect.custom](): string {
    return `Db { ${this.#engine.describe()}, ${JSON.stringify(this.stats())} }`
  }

  toJSON(): object {
    return { url: this.#engine.describe(), stats: this.stats() }
  }
}

function isForeign(e: Engine): boolean {
  try {
    e.assertUsable()
    return false
  } catch (err) {
    return err instanceof ForeignOwnerError || err instanceof EngineDisposedError
  }
}

/**
 * Defines a database: the same URL and options anywhere in the process give the same pool, even across hot reloads.
 *
 * @example
 * import { defineDb } from 'dbscope'
 * import type { DB } from './generated/db.js'
 * import { metadata } from './generated/metadata.js'
 * export const db = defineDb<DB>({ url: process.env.DATABASE_URL, pool: { max: 10 }, metadata })
 */
export function defineDb<DB>(config: DbConfig = {}): Db<DB> {
  const engine = obtainEngine(config, SCOPE_HOOKS)
  const db = new Db<DB>(engine, ReplicaSet.for(engine, config))
  if (config.shutdown) drainOnSignals(config.shutdown === true ? {} : config.shutdown)
  return db
}
