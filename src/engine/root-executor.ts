/**
 * The executor behind `db.kysely`. A single autocommit statement holds its connection only for its own round trip,
 * so it skips a connection-provider layer and the leak watch's stack capture (a leak warning names its SQL instead).
 * Everything else (transaction(), connection(), streams) goes through the driver and is traced.
 *
 * @example
 * const executor = new RootExecutor(engine, dialect, driver, plugins)
 * new Kysely<DB>({ config: { dialect, plugins }, dialect, driver, executor })
 */
import {
  DefaultConnectionProvider,
  DefaultQueryExecutor,
  type CompiledQuery,
  type Dialect,
  type Driver,
  type KyselyPlugin,
  type QueryCompiler,
  type QueryResult,
} from 'kysely'
import { EngineConnection } from './connection.js'
import type { Engine } from './engine.js'
import { transformResult } from './plugins.js'

export class RootExecutor extends DefaultQueryExecutor {
  readonly #engine: Engine
  readonly #compiler: QueryCompiler

  constructor(engine: Engine, dialect: Dialect, driver: Driver, plugins: KyselyPlugin[]) {
    const compiler = dialect.createQueryCompiler()
    super(compiler, dialect.createAdapter(), new DefaultConnectionProvider(driver), plugins)
    this.#engine = engine
    this.#compiler = compiler
  }

  /** The query compiler, shared with the executors of this engine's scopes. */
  get compiler(): QueryCompiler {
    return this.#compiler
  }

  override executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = this.executeUntransformed<R>(compiledQuery)
    return this.plugins.length === 0 ? result : result.then((r) => transformResult(this.plugins, r, compiledQuery.queryId))
  }

  /** One autocommit statement on a pooled connection; its result not yet passed through the plugins (`db.current`'s path). */
  async executeUntransformed<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const engine = this.#engine
    engine.beforeRootQuery()
    const conn = new EngineConnection(engine, await engine.acquire(false))
    try {
      return await conn.executeQuery<R>(compiledQuery)
    } finally {
      engine.release(conn.checkout, conn.broken)
    }
  }
}
