/**
 * The attributes every span and metric of one engine carries, by the OpenTelemetry database semantic conventions:
 * the database system, the database name, the server, and the pool's name (the redacted URL or `applicationName`,
 * never a password).
 *
 * @example
 * engineAttributes(resolveConfig({ url: 'postgres://app:pw@db:5432/shop' }))
 * // { 'db.system.name': 'postgresql', 'db.namespace': 'shop', 'server.address': 'db', 'server.port': 5432 }
 */
import type { ResolvedConfig } from '../config.js'
import { redactSecrets, redactUrl } from '../redact.js'
import { firstHostUrl } from '../url.js'
import type { Attributes } from './otel-api.js'

/**
 * `db.system.name` before any connection: postgresql (PGlite too), mariadb for a `mariadb://` URL, else mysql (the
 * observer corrects it to mariadb when a connection's handshake names MariaDB).
 */
export function systemName(c: ResolvedConfig): string {
  if (c.dialect !== 'mysql') return 'postgresql'
  return c.url?.startsWith('mariadb:') ? 'mariadb' : 'mysql'
}

/** `db.system.name`, `db.namespace`, `server.address`, `server.port`. */
export function engineAttributes(c: ResolvedConfig): Attributes {
  const attrs: Attributes = { 'db.system.name': systemName(c) }
  if (!c.url) return attrs
  try {
    const u = new URL(firstHostUrl(c.url))
    const db = decodeURIComponent(u.pathname.replace(/^\//, ''))
    if (db) attrs['db.namespace'] = db
    if (u.hostname) attrs['server.address'] = u.hostname.replace(/^\[|\]$/g, '')
    attrs['server.port'] = Number(u.port) || (c.dialect === 'mysql' ? 3306 : 5432)
  } catch {
    /* validated by resolveConfig; nothing more to add */
  }
  return attrs
}

/**
 * `db.client.connection.pool.name`: `applicationName` when one was set, else the URL without its password and its
 * query string (which may carry TLS file paths or options).
 */
export function poolName(c: ResolvedConfig): string {
  if (c.applicationName !== 'dbscope') return c.applicationName
  if (!c.url) return 'pglite'
  return redactSecrets(redactUrl(c.url).replace(/\?.*$/, ''), c.secrets)
}
