/**
 * `connection: { dialect, host, port, user, password, database }`, the alternative to a URL for apps that hold
 * these in separate variables: no escaping, whatever characters the password has. It becomes a URL without the
 * password (the registry key and every printed form), and a PasswordSource that the driver asks at each connect.
 *
 * @example
 * defineDb({ connection: { dialect: 'postgres', host: env.PGHOST, user: env.PGUSER, password: env.PGPASSWORD, database: 'app' } })
 * defineDb({ connection: { dialect: 'postgres', hosts: [{ host: 'db1' }, { host: 'db2' }], targetSessionAttrs: 'read-write', user, password } })
 */
import { ConfigError } from './errors.js'
import { keysOf, unknownKeyProblem } from './known-keys.js'
import type { PasswordInput } from './password.js'

/** One host of a multi-host (failover) connection. */
export interface HostAndPort {
  readonly host: string
  /** Default 5432 (PostgreSQL) or 3306 (MySQL). */
  readonly port?: number
}

/**
 * Where and as whom to connect, as separate values.
 *
 * @example
 * defineDb({ connection: { dialect: 'mysql', host: 'db.internal', user: 'app', password: () => vault.read('db'), database: 'shop' }, ssl: { ca } })
 */
export interface ConnectionConfig {
  readonly dialect: 'postgres' | 'mysql'
  /** A host name or IP address. */
  readonly host?: string
  readonly port?: number
  /** Failover (PostgreSQL only): tried in order, like a multi-host URL; instead of `host` and `port`. */
  readonly hosts?: readonly HostAndPort[]
  readonly user: string
  /** The password, as is; or a function called for every new physical connection (rotating credentials). */
  readonly password?: PasswordInput
  readonly database?: string
  /** With `hosts`: `'read-write'` (or `'primary'`) keeps only a writable host. Default `'any'`. */
  readonly targetSessionAttrs?: 'any' | 'read-write' | 'primary'
}

const KEYS = keysOf<ConnectionConfig>({ dialect: true, host: true, port: true, hosts: true, user: true, password: true, database: true, targetSessionAttrs: true })

function checkPort(port: unknown, where: string): void {
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535)) {
    throw new ConfigError(`${where} must be a port number (1–65535), got ${JSON.stringify(port)}.`)
  }
}

function hostPart(host: unknown, port: unknown, where: string): string {
  if (typeof host !== 'string' || host.trim() === '') throw new ConfigError(`${where}.host is required: a host name or IP address.`)
  checkPort(port, `${where}.port`)
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : encodeURIComponent(host).replace(/%2E/g, '.')
  return port === undefined ? h : `${h}:${port}`
}

/** Validates a connection object and returns its URL, without the password. */
export function connectionUrl(c: ConnectionConfig, where = 'connection'): string {
  if (typeof c !== 'object' || c === null) throw new ConfigError(`${where} must be an object: { dialect, host, port, user, password, database }.`)
  const unknown = unknownKeyProblem(where, c, KEYS)
  if (unknown) throw new ConfigError(unknown)
  if (c.dialect !== 'postgres' && c.dialect !== 'mysql') {
    throw new ConfigError(`${where}.dialect must be 'postgres' or 'mysql', got ${JSON.stringify(c.dialect)}.`)
  }
  if (typeof c.user !== 'string' || c.user === '') throw new ConfigError(`${where}.user is required.`)
  if (c.password !== undefined && typeof c.password !== 'string' && typeof c.password !== 'function') {
    throw new ConfigError(`${where}.password must be a string or a function returning one (or a promise of one).`)
  }
  if (c.database !== undefined && typeof c.database !== 'string') throw new ConfigError(`${where}.database must be a string.`)
  const attrs = c.targetSessionAttrs ?? 'any'
  if (!['any', 'read-write', 'primary'].includes(attrs)) throw new ConfigError(`${where}.targetSessionAttrs must be 'any', 'read-write' or 'primary'.`)
  const params = new URLSearchParams()
  let authority: string
  if (c.hosts !== undefined) {
    if (c.host !== undefined || c.port !== undefined) throw new ConfigError(`${where}: give either host (and port) or hosts, not both.`)
    if (!Array.isArray(c.hosts) || c.hosts.length === 0) throw new ConfigError(`${where}.hosts must be a non-empty array of { host, port }.`)
    if (c.dialect !== 'postgres' && c.hosts.length > 1) {
      throw new ConfigError(`${where}.hosts: several hosts (failover) are supported for PostgreSQL only, not ${c.dialect}.`)
    }
    authority = c.hosts.map((h, i) => hostPart(h?.host, h?.port, `${where}.hosts[${i}]`)).join(',')
  } else authority = hostPart(c.host, c.port, where)
  if (attrs !== 'any') params.set('target_session_attrs', attrs)
  const query = params.toString()
  return `${c.dialect}://${encodeURIComponent(c.user)}@${authority}/${encodeURIComponent(c.database ?? '')}${query ? `?${query}` : ''}`
}
