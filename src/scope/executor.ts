/**
 * The executor behind a scope's `tx`: each statement goes straight to the scope's frame.
 *
 * Kysely's own executor wraps every statement in a connection-provider callback and a result-transform step, each
 * an async function (several promises, and with AsyncLocalStorage active each promise runs its hooks). Here the
 * frame runs the statement itself, and plugins (if any) transform its result afterwards.
 */
import {
  DefaultQueryExecutor,
  type CompiledQuery,
  type ConnectionProvider,
  type DialectAdapter,
  type KyselyPlugin,
  type QueryCompiler,
  type QueryResult,
} from 'kysely'
import type { Engine } from '../engine/engine.js'
import { transformResult } from '../engine/plugins.js'

/** A connection provider that can also run one statement itself (a scope's frame). */
export interface StatementRunner extends ConnectionProvider {
  execute<R>(q: CompiledQuery): Promise<QueryResult<R>>
}

/** The executor of a scope's `tx`: the engine's compiler, adapter and plugins, statements run by the scope's frame. */
export function scopeExecutor(engine: Engine, runner: StatementRunner): ScopeExecutor {
  const root = engine.executor
  return new ScopeExecutor(root.compiler, root.adapter, runner, root.plugins)
}

export class ScopeExecutor extends DefaultQueryExecutor {
  readonly #compiler: QueryCompiler
  readonly #runner: StatementRunner

  constructor(compiler: QueryCompiler, adapter: DialectAdapter, runner: StatementRunner, plugins: readonly KyselyPlugin[]) {
    super(compiler, adapter, runner, plugins as KyselyPlugin[])
    this.#compiler = compiler
    this.#runner = runner
  }

  override executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = this.#runner.execute<R>(compiledQuery)
    return this.plugins.length === 0 ? result : result.then((r) => transformResult(this.plugins, r, compiledQuery.queryId))
  }

  // A `tx.withPlugin()` (or withSchema, which adds one) keeps statements on this path.
  override withPlugins(plugins: readonly KyselyPlugin[]): ScopeExecutor {
    return this.#with([...this.plugins, ...plugins])
  }
  override withPlugin(plugin: KyselyPlugin): ScopeExecutor {
    return this.#with([...this.plugins, plugin])
  }
  override withPluginAtFront(plugin: KyselyPlugin): ScopeExecutor {
    return this.#with([plugin, ...this.plugins])
  }
  override withoutPlugins(): ScopeExecutor {
    return this.#with([])
  }

  #with(plugins: readonly KyselyPlugin[]): ScopeExecutor {
    return new ScopeExecutor(this.#compiler, this.adapter, this.#runner, plugins)
  }
}
