/** MySQL/MariaDB errno → typed dbscope errors. */
import { QueryError, queryError, type QueryErrorCode } from '../../errors.js'
import { isSocketError } from '../socket-errors.js'

interface MysqlLikeError {
  code?: string
  errno?: number
  sqlState?: string
  sqlMessage?: string
  fatal?: boolean
}

/** mysql2's own codes for a connection that is gone (beside the socket errors). */
const CONNECTION_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'PROTOCOL_ENQUEUE_AFTER_QUIT', 'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
])
// 1053 server shutdown, 1927 connection killed (MariaDB), 2006 gone away, 2013 lost during query, 4031 idle timeout.
const CONNECTION_ERRNOS = new Set([1053, 1927, 2006, 2013, 4031])

/** Whether the error means the connection can no longer be used. */
export function isMysqlConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const e = err as MysqlLikeError
  return e.fatal === true || isSocketError(err) || (e.code !== undefined && CONNECTION_CODES.has(e.code)) || (e.errno !== undefined && CONNECTION_ERRNOS.has(e.errno))
}

/** MySQL/MariaDB errno → stable code (1969: MariaDB max_statement_time, 3024: MySQL max_execution_time). */
const MYSQL_CODES: Readonly<Record<number, QueryErrorCode>> = {
  1213: 'DEADLOCK',
  1205: 'LOCK_TIMEOUT',
  1062: 'UNIQUE_VIOLATION',
  1451: 'FOREIGN_KEY_VIOLATION',
  1452: 'FOREIGN_KEY_VIOLATION',
  1048: 'NOT_NULL_VIOLATION',
  1317: 'STATEMENT_TIMEOUT',
  1969: 'STATEMENT_TIMEOUT',
  3024: 'STATEMENT_TIMEOUT',
}

/** Maps a mysql2 error to a typed error carrying it as `cause`; other values pass through unchanged. */
export function classifyMysqlError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof QueryError) return err
  const e = err as MysqlLikeError
  const base = { cause: err, sqlState: e.errno !== undefined ? String(e.errno) : e.code, errno: e.errno, sqlMessage: e.sqlMessage }
  const code = MYSQL_CODES[e.errno ?? -1] ?? (isMysqlConnectionError(err) ? 'CONNECTION_LOST' : e.errno !== undefined ? 'QUERY_FAILED' : undefined)
  if (code) return queryError(code, err.message, base)
  return err
}
