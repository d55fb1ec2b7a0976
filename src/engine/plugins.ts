/**
 * Kysely plugins on dbscope's own executors: the plugins an engine is configured with, and their result transforms
 * run in turn after a statement, as Kysely's executor runs them.
 *
 * @example
 * result = await transformResult(executor.plugins, result, compiledQuery.queryId)
 */
import { CamelCasePlugin, type KyselyPlugin, type QueryId, type QueryResult } from 'kysely'
import type { ResolvedConfig } from '../config.js'
import { ColumnWritesPlugin } from './column-writes.js'

/**
 * The plugins every Kysely of an engine (its own, its replicas', its scopes') starts with. The column writers come
 * after CamelCasePlugin, so that they see the database's column names.
 */
export function enginePlugins(config: Pick<ResolvedConfig, 'camelCase' | 'columnWriters'>): KyselyPlugin[] {
  const plugins: KyselyPlugin[] = config.camelCase ? [new CamelCasePlugin()] : []
  if (config.columnWriters) plugins.push(new ColumnWritesPlugin(config.columnWriters))
  return plugins
}

/** Each plugin's transformResult in turn. */
export async function transformResult<R>(plugins: readonly KyselyPlugin[], result: QueryResult<R>, queryId: QueryId): Promise<QueryResult<R>> {
  for (const plugin of plugins) {
    result = (await plugin.transformResult({ result: result as QueryResult<any>, queryId })) as QueryResult<R>
  }
  return result
}
