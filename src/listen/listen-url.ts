/**
 * The `listenUrl` option: a postgres:// URL for db.listen's direct connection, on a PostgreSQL db only.
 *
 * @example
 * listenUrlOf('postgres://app@db:5432/app', 'postgres') // the URL
 */
import { ConfigError } from '../errors.js'

export function listenUrlOf(url: unknown, dialect: string): string | undefined {
  if (url === undefined) return undefined
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url) || dialect !== 'postgres') {
    throw new ConfigError("listenUrl is a postgres:// URL for db.listen's direct connection, on a PostgreSQL db only. Remove it, or give one.")
  }
  return url
}
