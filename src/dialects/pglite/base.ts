/**
 * What the PGlite driver is before PGlite and pg's parsers are imported: PostgreSQL's base (compiler, adapter,
 * introspector, error classification) with its own BEGIN and a pool of one (PGlite has a single session).
 *
 * @example
 * const driver = lazyDriver(pgliteBase, load)
 */
import type { TransactionSettings } from 'kysely'
import { beginStatements } from '../begin.js'
import type { DriverBase } from '../lazy-driver.js'
import { postgresBase } from '../postgres/base.js'

export const pgliteBase: DriverBase = {
  ...postgresBase,
  name: 'pglite',
  maxPoolSize: 1,
  beginSql: (settings: TransactionSettings) => beginStatements('pglite', settings),
}
