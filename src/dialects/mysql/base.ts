/**
 * What the MySQL/MariaDB driver is without mysql2: Kysely's compiler, adapter and introspector, BEGIN, error
 * classification, and the check of the URL's and `ssl` option's TLS settings that must fail at defineDb.
 *
 * @example
 * checkMysqlSession(url, ssl) // throws a ConfigError for a bad ssl-mode
 */
import { MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler, type Kysely, type TransactionSettings } from 'kysely'
import { mysqlTls } from '../../tls/mysql.js'
import type { SslOptions } from '../../tls/options.js'
import { beginStatements } from '../begin.js'
import type { DriverBase } from '../lazy-driver.js'
import { mysqlSessionContext } from './context.js'
import { classifyMysqlError, isMysqlConnectionError } from './errors.js'

export const mysqlBase: DriverBase = {
  name: 'mysql',
  maxPoolSize: Number.POSITIVE_INFINITY,
  beginSql: (settings: TransactionSettings) => beginStatements('mysql', settings),
  sessionContext: mysqlSessionContext,
  classify: classifyMysqlError,
  isConnectionError: isMysqlConnectionError,
  createQueryCompiler: () => new MysqlQueryCompiler(),
  createAdapter: () => new MysqlAdapter(),
  createIntrospector: (db: Kysely<any>) => new MysqlIntrospector(db),
}

/** Throws the ConfigError the driver would throw for this URL and `ssl` option. */
export function checkMysqlSession(url: string, ssl: SslOptions | undefined): void {
  mysqlTls(url, ssl)
}
