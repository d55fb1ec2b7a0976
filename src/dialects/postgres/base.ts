/**
 * What the PostgreSQL driver is without node-postgres: Kysely's compiler, adapter and introspector, BEGIN, error
 * classification, and the checks of the URL and `ssl` option that must fail at defineDb, before pg is imported.
 *
 * @example
 * checkPostgresSession(url, ssl) // throws a ConfigError for a bad sslmode or host list
 */
import { PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type Kysely, type TransactionSettings } from 'kysely'
import type { SslOptions } from '../../tls/options.js'
import { postgresTls } from '../../tls/postgres-url.js'
import { parseHostList } from '../../url.js'
import { beginStatements } from '../begin.js'
import type { DriverBase } from '../lazy-driver.js'
import { postgresSessionContext } from './context.js'
import { classifyPostgresError, isPostgresConnectionError } from './errors.js'

export const postgresBase: DriverBase = {
  name: 'postgres',
  maxPoolSize: Number.POSITIVE_INFINITY,
  beginSql: (settings: TransactionSettings) => beginStatements('postgres', settings),
  sessionContext: postgresSessionContext,
  classify: classifyPostgresError,
  isConnectionError: isPostgresConnectionError,
  createQueryCompiler: () => new PostgresQueryCompiler(),
  createAdapter: () => new PostgresAdapter(),
  createIntrospector: (db: Kysely<any>) => new PostgresIntrospector(db),
}

/** Throws the ConfigError the driver would throw for this URL and `ssl` option. */
export function checkPostgresSession(url: string, ssl: SslOptions | undefined): void {
  parseHostList(postgresTls(url, ssl).url)
}
