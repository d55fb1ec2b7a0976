/** Picks the dialect driver for a resolved config. */
import type { ResolvedConfig } from '../config.js'
import { ConfigError } from '../errors.js'
import type { DialectDriver } from './dialect.js'
import { createMysqlDriver } from './mysql/driver.js'
import { createPGliteDriver } from './pglite/driver.js'
import type { PGliteInstance } from './pglite/session.js'
import { createPostgresDriver } from './postgres/driver.js'

/**
 * The driver for `c.dialect`; PGlite's module (and its WASM) loads only when a PGlite URL or instance is used. Called
 * once per engine, so the warning about unverified TLS comes once per db.
 */
export function driverFor(c: ResolvedConfig, warn: (message: string) => void): DialectDriver {
  if (c.ssl?.rejectUnauthorized === false) {
    warn(
      'ssl.rejectUnauthorized is false: connections are encrypted, but the server\'s certificate is not verified, so ' +
        'whoever can intercept them can pose as the server. Give the server\'s CA as ssl.ca instead.',
    )
  }
  const session = {
    url: c.url ?? '',
    password: c.password,
    ssl: c.ssl,
    applicationName: c.applicationName,
    statementTimeoutMs: c.pool.statementTimeoutMs,
    idleInTransactionTimeoutMs: c.pool.idleInTransactionTimeoutMs,
    connectTimeoutMs: c.pool.connectTimeoutMs,
    types: c.types,
  }
  switch (c.dialect) {
    case 'postgres':
      return createPostgresDriver({ ...session, pooler: c.pooler === 'pgbouncer', arrayLookups: c.arrayLookups, statementCache: c.statementCache, warn })
    case 'mysql':
      return createMysqlDriver(session)
    case 'pglite':
      return createPGliteDriver({ pglite: c.pglite ?? pgliteFromUrl(c.url ?? 'pglite://memory'), types: c.types, arrayLookups: c.arrayLookups })
    default:
      throw new ConfigError(`Unknown dialect ${String(c.dialect)}.`)
  }
}

function pgliteFromUrl(url: string): () => Promise<PGliteInstance> {
  const u = new URL(url)
  const dir = u.host === 'memory' || (u.host === '' && (u.pathname === '' || u.pathname === '/')) ? undefined : decodeURIComponent(u.host + u.pathname)
  return async () => {
    const { PGlite } = await import('@electric-sql/pglite')
    return dir ? new PGlite(dir) : new PGlite()
  }
}
