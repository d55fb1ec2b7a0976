/**
 * The executor behind a scope's `tx`: each statement goes straight to the scope's frame.
 *
 * Kysely's own executor wraps every statement in a connection-provider callback and a result-transform step, each
 * an async function (several promises, and with AsyncLocalStorage active each promise runs its hooks). Without
 * plugins there is nothing to transform, so the frame runs the statement itself; with plugins Kysely's path is kept.
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

/** A connection provider that can also run one statement itself (a scope's frame). */
export interface StatementRunner extends ConnectionProvider {
  execute<R>(q: CompiledQuery): Promise<QueryResult<R>>
}

export class ScopeExecutor extends DefaultQueryExecutor {
  readonly #runner: StatementRunner

  constructor(compiler: QueryCompiler, adapter: DialectAdapter, runner: StatementRunner, plugins: readonly KyselyPlugin[]) {
    super(compiler, adapter, runner, plugins as KyselyPlugin[])
    this.#runner = runner
  }

  override executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.plugins.length === 0 ? this.#runner.execute<R>(compiledQuery) : super.executeQuery<R>(compiledQuery)
  }
}
