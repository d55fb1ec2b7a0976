/**
 * What makes two defineDb calls the same engine: the registry key (dialect, user, hosts, database and query, never
 * the password), and the options that must then agree.
 *
 * @example
 * engineKey(resolveConfig({ url: 'postgres://app:pw@db/app' }), id) // 'postgres://app@db:5432/app'
 */
import type { DbConfig, ResolvedConfig } from '../config.js'
import { connectionUrl } from '../connection-object.js'
import { redactUrl } from '../redact.js'
import { sslFingerprint } from '../tls/options.js'
import { firstHostUrl, parseHostList } from '../url.js'

/** The registry key: dialect, user, host, port, database and query, without the password. */
export function engineKey(c: ResolvedConfig, pgliteId: (p: NonNullable<DbConfig['pglite']>) => string): string {
  if (c.pglite) return `pglite:instance:${pgliteId(c.pglite)}`
  const u = new URL(firstHostUrl(c.url!))
  const port = u.port || (c.dialect === 'postgres' ? '5432' : c.dialect === 'mysql' ? '3306' : '')
  const params = [...u.searchParams.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join('&')
  // A multi-host URL (failover) is keyed on all of its hosts, in order.
  const hosts = c.url!.includes(',') ? parseHostList(c.url!).hosts.join(',').toLowerCase() : `${u.hostname.toLowerCase()}:${port}`
  return `${c.dialect}://${decodeURIComponent(u.username)}@${hosts}${u.pathname}${params ? `?${params}` : ''}`
}

/** The options that must agree when two defineDb calls share an engine. */
export function comparableOptions(c: ResolvedConfig): Record<string, unknown> {
  return {
    pool: c.pool,
    types: c.types,
    camelCase: c.camelCase,
    applicationName: c.applicationName,
    guard: c.guard,
    pooler: c.pooler ?? null,
    statementCache: c.statementCache,
    replicas: c.replicas.map((r, i) => redactUrl(typeof r === 'string' ? r : connectionUrl(r, `replicas[${i}]`))),
    ssl: sslFingerprint(c.ssl),
    listenUrl: c.listenUrl === undefined ? null : redactUrl(c.listenUrl),
    passwordFunction: c.password?.dynamic ?? false,
    telemetry: c.telemetry,
    slowStatementMs: c.slowStatementMs ?? null,
  }
}
