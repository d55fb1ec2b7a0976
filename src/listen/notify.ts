/**
 * NOTIFY with parameters: `SELECT pg_notify($1, $2)`, through a scope's transaction (delivered only if it commits)
 * or through db.kysely (autocommit).
 *
 * @example
 * await notify(tx, 'postgres', 'jobs', JSON.stringify({ id }))
 */
import { sql, type Kysely } from 'kysely'
import { ConfigError } from '../errors.js'
import type { DialectName } from '../types/dialect-name.js'
import { checkChannel } from './session.js'

export async function notify(executor: Kysely<any>, dialect: DialectName, channel: string, payload = ''): Promise<void> {
  if (dialect === 'mysql') {
    throw new ConfigError('notify and LISTEN/NOTIFY are not supported on MySQL or MariaDB: they are PostgreSQL features.')
  }
  checkChannel(channel)
  if (typeof payload !== 'string') throw new ConfigError(`notify's payload is a string (JSON.stringify an object), got ${typeof payload}.`)
  await sql`SELECT pg_notify(${channel}, ${payload})`.execute(executor)
}
