/**
 * `db.current`: a Kysely whose statements run in the scope active in the async context (its transaction, connection
 * and savepoint, on the replica a readOnly scope went to), and on the pool like `db.kysely` outside any scope. A
 * context-bound view (`db.withContext`) makes sure its settings and role apply: outside a scope, or in a scope that
 * lacks them, each statement runs in a scope (a savepoint when nested) that has them.
 *
 * Code that outlived its scope (a timer, a promise nobody awaited) never reaches the ended transaction: it runs in
 * the nearest enclosing scope still live, or on the pool; code still running for a scope that timed out gets
 * ScopeEndedError, as `db.scope()` does there.
 *
 * @example
 * export const findUser = (id: number) => db.current.selectFrom('users').where('id', '=', id).selectAll().executeTakeFirst()
 */
import {
  DefaultConnectionProvider,
  Kysely,
  type CompiledQuery,
  type DatabaseConnection,
  type KyselyPlugin,
  type KyselyProps,
  type QueryResult,
} from 'kysely'
import type { Engine } from '../engine/engine.js'
import { ConfigError } from '../errors.js'
import { enclosingFrame } from './context.js'
import { scopeExecutor, type StatementRunner } from './executor.js'
import type { Frame } from './frame.js'
import type { ContextOptions, ScopeContext } from './session-context.js'
import { covers } from './session-context.js'
import type { ScopeTransaction } from './transaction.js'

/** Settings and a role a view is bound to, and how to open a scope that applies them. */
export interface Binding {
  readonly context: ScopeContext
  readonly options: ContextOptions
  /** Runs `fn` in a scope of the db with `options` (nested when a scope is active). */
  scope<T>(fn: (tx: ScopeTransaction<any>) => Promise<T>, options: ContextOptions): Promise<T>
}

/**
 * The scope this code runs in, when a statement can use it as it is: undefined outside any scope, or when the
 * binding's settings are not all in effect there.
 */
function usableFrame(engine: Engine, binding: Binding | undefined): Frame | undefined {
  const frame = enclosingFrame(engine)
  return frame && (!binding || covers(frame.context, binding.context)) ? frame : undefined
}

/**
 * What `db.current` runs its statements on, per statement: the active scope's frame, a scope that applies the
 * binding, or the pool. The scope executor around it runs the plugins.
 */
class CurrentRunner implements StatementRunner {
  readonly #engine: Engine
  readonly #binding: Binding | undefined
  readonly #pool: DefaultConnectionProvider

  constructor(engine: Engine, binding: Binding | undefined) {
    this.#engine = engine
    this.#binding = binding
    this.#pool = new DefaultConnectionProvider(engine.props.driver)
  }

  execute<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    try {
      const frame = usableFrame(this.#engine, this.#binding)
      const b = this.#binding
      if (frame) return frame.execute<R>(q)
      if (b) return b.scope((tx) => tx.withoutPlugins().executeQuery<R>(q), b.options)
      return this.#engine.executor.executeUntransformed<R>(q)
    } catch (err) {
      return Promise.reject(err) // code still running for a scope that timed out
    }
  }

  async provideConnection<T>(consumer: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    const frame = usableFrame(this.#engine, this.#binding)
    if (frame) return frame.provideConnection(consumer)
    const b = this.#binding
    if (b) return b.scope((tx) => tx.getExecutor().provideConnection(consumer), b.options)
    return this.#pool.provideConnection(consumer)
  }
}

/** `db.current` (or a bound view's `current`): a Kysely on the active scope, refusing Kysely's own transactions there. */
export class CurrentKysely<DB> extends Kysely<DB> {
  readonly #engine: Engine

  /** @internal */
  constructor(engine: Engine, binding?: Binding, executor?: KyselyProps['executor']) {
    const props = { ...engine.props, executor: executor ?? scopeExecutor(engine, new CurrentRunner(engine, binding)) }
    super(props)
    this.#engine = engine
  }

  /** Inside a scope a Kysely transaction would COMMIT the scope's: refused there (nest a `db.scope()` instead). */
  override transaction(): ReturnType<Kysely<DB>['transaction']> {
    this.#refuseInScope('transaction()')
    return super.transaction()
  }
  override startTransaction(): ReturnType<Kysely<DB>['startTransaction']> {
    this.#refuseInScope('startTransaction()')
    return super.startTransaction()
  }

  override withPlugin(plugin: KyselyPlugin): CurrentKysely<DB> {
    return this.#derive(this.getExecutor().withPlugin(plugin))
  }
  override withoutPlugins(): CurrentKysely<DB> {
    return this.#derive(this.getExecutor().withoutPlugins())
  }
  override withSchema(schema: string): CurrentKysely<DB> {
    return this.#derive(super.withSchema(schema).getExecutor())
  }
  override withTables<T extends Record<string, Record<string, any>>>(): CurrentKysely<DB & T> {
    return this.#derive(this.getExecutor()) as never
  }

  #derive(executor: KyselyProps['executor']): CurrentKysely<DB> {
    return new CurrentKysely<DB>(this.#engine, undefined, executor)
  }

  #refuseInScope(what: string): void {
    if (enclosingFrame(this.#engine)) {
      throw new ConfigError(`db.current.${what} inside db.scope() would end the scope's transaction; call db.scope() to nest a savepoint.`)
    }
  }
}
