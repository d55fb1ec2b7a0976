/**
 * What the PGlite driver is before PGlite and pg's parsers are imported: PostgreSQL's compiler, adapter and
 * introspector, BEGIN, error classification, and a pool of one (PGlite has a single session).
 *
 * @example
 * const driver = lazyDriver(pgliteBase, load)
 */
import { PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type Kysely, type TransactionSettings } from 'kysely'
import { beginStatements } from '../begin.js'
import type { DriverBase } from '../lazy-driver.js'
import { classifyPostgresError, isPostgresConnectionError } from '../postgres/errors.js'

export const pgliteBase: DriverBase = {
  name: 'pglite',
  maxPoolSize: 1,
  beginSql: (settings: TransactionSettings) => beginStatements('pglite', settings),
  classify: classifyPostgresError,
  isConnectionError: isPostgresConnectionError,
  createQueryCompiler: () => new PostgresQueryCompiler(),
  createAdapter: () => new PostgresAdapter(),
  createIntrospector: (db: Kysely<any>) => new PostgresIntrospector(db),
}
