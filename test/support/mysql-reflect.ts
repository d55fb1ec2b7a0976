/**
 * Reflects a MariaDB/MySQL test database through Kysely's MysqlDialect over a mysql2 pool, the way dbgen does,
 * optionally counting the queries sent (through Kysely's `log` option).
 *
 * @example
 * const { model, queries } = await reflectMysqlAt(database.url)
 */
import { Kysely, MysqlDialect } from 'kysely'
import mysql from 'mysql2'
import type { SchemaModel } from '../../codegen/model.js'
import { reflectMysql, type MysqlReflectOptions } from '../../codegen/reflect/mysql.js'

export async function reflectMysqlAt(url: string, options: MysqlReflectOptions = {}): Promise<{ model: SchemaModel; queries: string[] }> {
  const queries: string[] = []
  const db = new Kysely<any>({
    dialect: new MysqlDialect({ pool: mysql.createPool({ uri: url, connectionLimit: 4 }) }),
    log: (e) => {
      if (e.level === 'query') queries.push(e.query.sql)
    },
  })
  try {
    return { model: await reflectMysql(db, options), queries }
  } finally {
    await db.destroy()
  }
}
