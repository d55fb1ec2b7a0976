/**
 * Reflects a test database through dbgen's own connection code (a `pg` pool executor), for tests that need a model.
 *
 * @example
 * const model = await reflectUrl(database.url, { schemas: ['public'] })
 */
import { openSource } from '../../codegen/connect.js'
import type { SchemaModel } from '../../codegen/model.js'
import { reflectPostgres, type PgReflectOptions } from '../../codegen/reflect/postgres.js'

export async function reflectUrl(url: string, options: PgReflectOptions = {}): Promise<SchemaModel> {
  const source = await openSource({ url })
  try {
    return await reflectPostgres(source.executor, options)
  } finally {
    await source.close()
  }
}
