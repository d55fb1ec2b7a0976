/**
 * Read replicas: `db.replica` and `readOnly` scopes go to the replicas round robin; a replica that cannot be reached
 * (or loses a connection) is skipped and probed in the background until it answers again. A PostgreSQL replica that
 * was seen as a standby and reports that it was promoted (a failover made it a primary: it no longer follows the
 * primary's writes) is skipped the same way, until its server is a standby again. With no healthy replica, reads go
 * to the primary.
 *
 * @example
 * const db = defineDb<DB>({ url: PRIMARY, replicas: [REPLICA_1, REPLICA_2] })
 * await db.replica.selectFrom('users').selectAll().execute()        // a replica
 * await db.scope(async (tx) => tx.selectFrom('users').execute(), { readOnly: true }) // a replica
 */
import { CompiledQuery, Kysely, type Dialect } from 'kysely'
import type { DbConfig } from '../config.js'
import type { ConnectionConfig } from '../connection-object.js'
import { SourceDriver } from '../dialects/kysely-driver.js'
import { ConnectError, ConnectionLostError } from '../errors.js'
import { EngineConnection } from './connection.js'
import type { Engine } from './engine.js'
import { enginePlugins } from './plugins.js'
import { obtainEngine } from './registry.js'
import { SHARED_DESTROY_WARNING } from './root-kysely.js'

interface Member {
  readonly engine: Engine
  healthy: boolean
}

const SETS = new WeakMap<Engine, ReplicaSet>()

/** Whether an error means the server could not be reached or the connection died. */
function isUnreachable(err: unknown): boolean {
  return err instanceof ConnectError || err instanceof ConnectionLostError
}

/** A replica's server was seen as a standby and has reported a promotion since. */
function promoted(engine: Engine): boolean {
  return engine.driver.promoted?.() === true
}

/** The replicas of one primary engine, shared by every defineDb() of that engine. */
export class ReplicaSet {
  readonly #primary: Engine
  readonly #members: Member[]
  readonly #healthCheckMs: number
  #next = 0
  #timer: NodeJS.Timeout | undefined
  #kysely: Kysely<any> | undefined

  private constructor(primary: Engine, config: DbConfig, targets: readonly (string | ConnectionConfig)[], healthCheckMs: number) {
    this.#primary = primary
    this.#healthCheckMs = healthCheckMs
    // Each replica gets the primary's options (ssl included), with its own URL or connection object.
    const { replicas: _r, shutdown: _s, replicaHealthCheckMs: _h, url: _u, connection: _c, ...rest } = config
    this.#members = targets.map((t) => ({
      engine: obtainEngine(typeof t === 'string' ? { ...rest, url: t } : { ...rest, connection: t }, primary.hooks),
      healthy: true,
    }))
  }

  /** The set of `primary` if it has one, without creating it. */
  static of(primary: Engine): ReplicaSet | undefined {
    return SETS.get(primary)
  }

  /** The set for `primary`, created on first use. */
  static for(primary: Engine, config: DbConfig): ReplicaSet | undefined {
    const urls = primary.config.replicas
    if (urls.length === 0) return undefined
    let set = SETS.get(primary)
    if (!set) SETS.set(primary, (set = new ReplicaSet(primary, config, urls, primary.config.replicaHealthCheckMs)))
    return set
  }

  /** The next healthy replica, round robin; undefined when none is healthy. */
  pick(): Engine | undefined {
    for (let i = 0; i < this.#members.length; i++) {
      const m = this.#members[this.#next++ % this.#members.length]!
      if (!m.healthy || m.engine.disposed) continue
      if (!promoted(m.engine)) return m.engine
      this.markDown(m.engine, 'was promoted: it is a primary now, and no longer follows the writes of this db\'s primary')
    }
    return undefined
  }

  /** `{ url, healthy }` per replica, URLs redacted. */
  health(): { url: string; healthy: boolean }[] {
    return this.#members.map((m) => ({ url: m.engine.describe(), healthy: m.healthy }))
  }

  /** Takes a replica out of rotation and starts probing it. */
  markDown(engine: Engine, why = 'is unreachable'): void {
    const m = this.#members.find((x) => x.engine === engine)
    if (!m || !m.healthy) return
    m.healthy = false
    engine.warn(`Replica ${engine.describe()} ${why}; reads skip it until a health check succeeds.`)
    this.#timer ??= setInterval(() => void this.#probe(), this.#healthCheckMs).unref()
  }

  /** Passes `p` through, taking its replica out of rotation when it failed because the replica is unreachable. */
  observe<T>(engine: Engine, p: Promise<T>): Promise<T> {
    return p.catch((err: unknown) => {
      if (isUnreachable(err)) this.markDown(engine)
      throw err
    })
  }

  async #probe(): Promise<void> {
    const down = this.#members.filter((m) => !m.healthy)
    await Promise.all(
      down.map(async (m) => {
        try {
          await m.engine.kysely.executeQuery(CompiledQuery.raw('SELECT 1'))
          m.healthy = !promoted(m.engine)
        } catch {
          /* still down; probed again next period */
        }
      }),
    )
    if (this.#members.every((m) => m.healthy) && this.#timer) {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }

  /** A Kysely<DB> whose every checkout goes to the next healthy replica (the primary when none is). */
  get kysely(): Kysely<any> {
    if (this.#kysely) return this.#kysely
    const set = this
    const primary = this.#primary
    const driver = new SourceDriver<EngineConnection>({
      async acquire() {
        for (let engine = set.pick(), tries = 0; engine && tries < set.#members.length; engine = set.pick(), tries++) {
          try {
            return new EngineConnection(engine, await engine.acquire())
          } catch (err) {
            if (!isUnreachable(err)) throw err
            set.markDown(engine)
          }
        }
        return new EngineConnection(primary, await primary.acquire())
      },
      release(c) {
        c.engine.release(c.checkout, c.broken)
        if (c.broken && c.engine !== primary) set.markDown(c.engine)
      },
      beginSql: (settings) => primary.driver.beginSql(settings),
      destroy: async () => primary.warn(SHARED_DESTROY_WARNING),
    })
    const dialect: Dialect = {
      createDriver: () => driver,
      createQueryCompiler: () => primary.driver.createQueryCompiler(),
      createAdapter: () => primary.driver.createAdapter(),
      createIntrospector: (db) => primary.driver.createIntrospector(db),
    }
    return (this.#kysely = new Kysely<any>({ dialect, plugins: enginePlugins(primary.config) }))
  }

  /** Disposes the replica engines and stops probing. */
  async dispose(graceMs?: number): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
    SETS.delete(this.#primary)
    await Promise.all(this.#members.map((m) => m.engine.dispose(graceMs)))
  }
}
