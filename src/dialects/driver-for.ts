/** Picks the dialect driver for a resolved config. */
import type { ResolvedConfig } from '../config.js'
import { ConfigError } from '../errors.js'
import type { DialectDriver } from './dialect.js'
import { loadDriver } from './driver-packages.js'
import { lazyDriver } from './lazy-driver.js'
import { checkMysqlSession, mysqlBase } from './mysql/base.js'
import { pgliteBase } from './pglite/base.js'
import type { PGliteInstance } from './pglite/session.js'
import { checkPostgresSession, postgresBase } from './postgres/base.js'

/**
 * The driver for `c.dialect`. Its driver package (pg, mysql2, PGlite and its WASM) is imported at the first connect,
 * so an application installs only the one it uses; the URL and TLS settings are checked now. Called once per engine,
 * so the warning about unverified TLS comes once per db.
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
    case 'postgres': {
      checkPostgresSession(session.url, session.ssl)
      const options = { ...session, pooler: c.pooler === 'pgbouncer', arrayLookups: c.arrayLookups, statementCache: c.statementCache, warn }
      return lazyDriver(postgresBase, async () => (await loadDriver('postgres', () => import('./postgres/driver.js'))).createPostgresDriver(options))
    }
    case 'mysql':
      checkMysqlSession(session.url, session.ssl)
      return lazyDriver(mysqlBase, async () => (await loadDriver('mysql', () => import('./mysql/driver.js'))).createMysqlDriver(session))
    case 'pglite': {
      const options = { pglite: c.pglite ?? pgliteFromUrl(c.url ?? 'pglite://memory'), types: c.types, arrayLookups: c.arrayLookups }
      return lazyDriver(pgliteBase, async () => (await loadDriver('pglite', () => import('./pglite/driver.js'))).createPGliteDriver(options))
    }
    default:
      throw new ConfigError(`Unknown dialect ${String(c.dialect)}.`)
  }
}

function pgliteFromUrl(url: string): () => Promise<PGliteInstance> {
  const u = new URL(url)
  const dir = u.host === 'memory' || (u.host === '' && (u.pathname === '' || u.pathname === '/')) ? undefined : decodeURIComponent(u.host + u.pathname)
  return async () => {
    const { PGlite } = await loadDriver('pglite', () => import('@electric-sql/pglite'))
    return dir ? new PGlite(dir) : new PGlite()
  }
}
