/**
 * Database URLs: the one parser of their scheme (for the runtime and dbgen), and libpq-style multi-host URLs
 * (`postgres://u@h1:5432,h2:5433/db?target_session_attrs=read-write`), which node-postgres does not understand:
 * split into one single-host URL per host, tried in order by the driver.
 *
 * @example
 * dialectOf('mariadb://root@127.0.0.1/test') // 'mysql'
 * const hosts = parseHostList('postgres://app@db1:5432,db2:5432/app?target_session_attrs=read-write')
 * hosts.urls // ['postgres://app@db1:5432/app', 'postgres://app@db2:5432/app']; hosts.readWrite === true
 */
import { ConfigError } from './errors.js'
import { redactUrl } from './redact.js'
import type { DialectName } from './types/dialect-name.js'

const SCHEMES: Readonly<Record<string, DialectName>> = { postgres: 'postgres', postgresql: 'postgres', mysql: 'mysql', mariadb: 'mysql', pglite: 'pglite' }

/** The dialect a URL's scheme names, or undefined for an unknown scheme or a string that is no URL. */
export function schemeDialect(url: string): DialectName | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  return scheme !== undefined && Object.hasOwn(SCHEMES, scheme) ? SCHEMES[scheme] : undefined
}

/** The dialect of a URL; an unknown scheme or a malformed URL is a ConfigError, never a guess. */
export function dialectOf(url: string): DialectName {
  try {
    new URL(firstHostUrl(url))
  } catch {
    throw new ConfigError(`The database URL ${redactUrl(url)} is not a valid URL. Expected postgres://user@host:5432/db, mysql://user@host:3306/db or pglite://memory.`)
  }
  const dialect = schemeDialect(url)
  if (dialect === undefined) {
    const scheme = /^([^:]*):/.exec(url)?.[1] ?? ''
    throw new ConfigError(`Unknown database URL scheme "${scheme}:" in ${redactUrl(url)}. Use postgres://, mysql://, mariadb:// or pglite://.`)
  }
  return dialect
}

export interface HostList {
  /** One single-host URL per host, in the order given; target_session_attrs removed. */
  readonly urls: readonly string[]
  /** `host:port` per host, for messages. */
  readonly hosts: readonly string[]
  /** target_session_attrs=read-write (or primary): connect only where `transaction_read_only` is off. */
  readonly readWrite: boolean
}

const SPLIT = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*@)?([^/?#]*)(.*)$/i

/** Splits a URL into its hosts; a single-host URL gives a list of one. */
export function parseHostList(url: string): HostList {
  const m = SPLIT.exec(url)
  if (!m) throw new ConfigError(`The database URL ${redactUrl(url)} is not a valid URL.`)
  const [, scheme, userinfo = '', hostPart, rest = ''] = m as unknown as [string, string, string | undefined, string, string | undefined]
  const hosts = hostPart.split(',').filter((h) => h.length > 0)
  const qIndex = rest.indexOf('?')
  const path = qIndex < 0 ? rest : rest.slice(0, qIndex)
  const params = new URLSearchParams(qIndex < 0 ? '' : rest.slice(qIndex + 1))
  const attrs = params.get('target_session_attrs') ?? 'any'
  if (!['any', 'read-write', 'primary'].includes(attrs)) {
    throw new ConfigError(`target_session_attrs=${attrs} is not supported; use read-write (or primary), or leave it out.`)
  }
  params.delete('target_session_attrs')
  const query = params.toString()
  // No host in the authority (a socket path in ?host=…): the URL as given is the one target.
  if (hosts.length <= 1) return { urls: [attrs === 'any' ? url : `${scheme}${userinfo}${hostPart}${path}${query ? `?${query}` : ''}`], hosts: [hostPart || 'localhost'], readWrite: attrs !== 'any' }
  return {
    urls: hosts.map((h) => `${scheme}${userinfo}${h}${path}${query ? `?${query}` : ''}`),
    hosts,
    readWrite: attrs !== 'any',
  }
}

/** The URL with only its first host, for parsing with `new URL()`. */
export function firstHostUrl(url: string): string {
  const m = SPLIT.exec(url)
  if (!m || !m[3]!.includes(',')) return url
  return `${m[1]}${m[2] ?? ''}${m[3]!.split(',')[0]}${m[4] ?? ''}`
}
