/** PostgreSQL SQLSTATE → typed dbscope errors. */
import { DbscopeError, queryError, type QueryErrorCode } from '../../errors.js'
import type { RawConnection } from '../dialect.js'
import { isSocketError } from '../socket-errors.js'

interface PgLikeError {
  code?: string
  message?: string
  detail?: string
  hint?: string
  schema?: string
  table?: string
  column?: string
  constraint?: string
  dataType?: string
  position?: string
  severity?: string
}

// 57P01 admin_shutdown (pg_terminate_backend), 57P02 crash_shutdown, 57P03 cannot_connect_now, 08xxx connection exceptions.
// 25P03 idle_in_transaction_session_timeout: the server ended the session.
const CONNECTION_SQLSTATES = /^(08|57P0[123]|25P03)/

/** Whether the error means the connection can no longer be used. */
export function isPostgresConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const e = err as PgLikeError
  if (isSocketError(err) || (e.code && CONNECTION_SQLSTATES.test(e.code))) return true
  return /Connection terminated|Client has encountered a connection error|connection is not open|Client was closed/i.test(err.message)
}

/** SQLSTATE → stable code. */
const PG_CODES: Readonly<Record<string, QueryErrorCode>> = {
  '40001': 'SERIALIZATION_FAILURE',
  '40P01': 'DEADLOCK',
  '55P03': 'LOCK_TIMEOUT',
  '23505': 'UNIQUE_VIOLATION',
  '23503': 'FOREIGN_KEY_VIOLATION',
  '23502': 'NOT_NULL_VIOLATION',
  '57014': 'STATEMENT_TIMEOUT',
  '25P03': 'IDLE_IN_TRANSACTION_TIMEOUT',
}

/** The statement cache's prepared form was invalidated (ALTER TABLE changed its result) or is gone from the session. */
function isStaleStatement(code: string | undefined, message: string): boolean {
  if (code === '0A000') return /cached plan must not change result type/.test(message)
  return code === '26000' && /^prepared statement "dbscope_[0-9a-f]+_\d+" does not exist/.test(message)
}

/**
 * Maps a pg error to a typed error carrying it as `cause`; other values pass through unchanged. A read-only error
 * (25006) on a connection whose host turned read-only since it was kept for writes is SERVER_READ_ONLY (retryable);
 * in a transaction that is read-only by choice it stays QUERY_FAILED.
 */
export function classifyPostgresError(err: unknown, conn?: RawConnection): unknown {
  if (!(err instanceof Error) || err instanceof DbscopeError) return err
  const e = err as PgLikeError
  const code = e.code
  const base = {
    cause: err,
    sqlState: code,
    detail: e.detail,
    hint: e.hint,
    schema: e.schema,
    table: e.table,
    column: e.column,
    constraint: e.constraint,
    dataType: e.dataType,
    position: e.position,
    severity: e.severity,
  }
  if (code === '25006' && conn?.roleChanged === true) return queryError('SERVER_READ_ONLY', err.message, base)
  const stale = isStaleStatement(code, err.message) ? 'STALE_STATEMENT' : undefined
  const kind = (code ? PG_CODES[code] : undefined) ?? stale ?? (isPostgresConnectionError(err) ? 'CONNECTION_LOST' : code && /^[0-9A-Z]{5}$/.test(code) ? 'QUERY_FAILED' : undefined)
  if (kind) return queryError(kind, err.message, base)
  return err
}
