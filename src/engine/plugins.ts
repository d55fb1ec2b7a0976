/**
 * Kysely plugins on dbscope's own executors: the plugins an engine is configured with, and their result transforms
 * run in turn after a statement, as Kysely's executor runs them.
 *
 * @example
 * result = await transformResult(executor.plugins, result, compiledQuery.queryId)
 */
import { CamelCasePlugin, type KyselyPlugin, type QueryId, type QueryResult } from 'kysely'

/** The plugins every Kysely of an engine (its own, its replicas', its scopes') starts with. */
export function enginePlugins(camelCase: boolean): KyselyPlugin[] {
  return camelCase ? [new CamelCasePlugin()] : []
}

/** Each plugin's transformResult in turn. */
export async function transformResult<R>(plugins: readonly KyselyPlugin[], result: QueryResult<R>, queryId: QueryId): Promise<QueryResult<R>> {
  for (const plugin of plugins) {
    result = (await plugin.transformResult({ result: result as QueryResult<any>, queryId })) as QueryResult<R>
  }
  return result
}
