/**
 * The error for a connection that could not be opened: what the driver said, once, then the one piece of advice
 * that fits what went wrong (nothing listening, a host name that does not resolve, no answer in time, the login
 * refused, no such database).
 *
 * @example
 * throw connectError('postgres://app@127.0.0.1:5432/app', err, (text) => engine.redact(text))
 * // Could not connect to postgres://app@127.0.0.1:5432/app: connect ECONNREFUSED 127.0.0.1:5432. Nothing accepted …
 */
import { ConnectError } from '../errors.js'
import { PasswordFunctionError } from '../password.js'
import { tlsFailure } from '../tls/failure.js'

const ADVICE = {
  refused: 'Nothing accepted the connection: check that the server is running and listens on that host and port.',
  unresolved: 'The host name did not resolve: check the host in the URL.',
  timeout: 'The server did not answer within pool.connectTimeoutMs: check the host, the port and the network.',
  login: 'The server refused the login: check the user and password in the URL.',
  database: 'The database does not exist on that server: create it, or fix the database name in the URL.',
  other: 'Check that the server is running and that the URL, user and password are right.',
} as const

/** PostgreSQL SQLSTATE, MySQL errno or Node's socket code → which advice fits. */
function adviceFor(err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; errno?: unknown; message?: unknown }
  const code = typeof e.code === 'string' ? e.code : ''
  if (code === 'ECONNREFUSED') return ADVICE.refused
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return ADVICE.unresolved
  if (code === 'ETIMEDOUT' || /timeout/i.test(String(e.message ?? ''))) return ADVICE.timeout
  // 28P01/28000: PostgreSQL password/authorization; 1045: MySQL access denied.
  if (code === '28P01' || code === '28000' || e.errno === 1045) return ADVICE.login
  // 3D000: PostgreSQL invalid_catalog_name; 1049: MySQL unknown database.
  if (code === '3D000' || e.errno === 1049) return ADVICE.database
  return ADVICE.other
}

/**
 * `Could not connect to <server>: <what the driver said>. <advice>`, with the driver's error as `cause`. A failed TLS
 * check says which one and is not retryable; a failed password function has its own error as the `cause`.
 */
export function connectError(server: string, err: unknown, redact: (text: string) => string, dynamicPassword = false): ConnectError {
  if (err instanceof PasswordFunctionError) {
    return new ConnectError(
      `Could not connect to ${server}: ${redact(err.message)}. The connection object's password function must return the password (a string).`,
      err.cause ?? err,
    )
  }
  const tls = tlsFailure(err)
  if (tls) return new ConnectError(`Could not connect to ${server}: ${redact(tls.message)}`, err, { retryable: false })
  const said = err instanceof Error ? err.message : String(err)
  const why = redact(said).trim().replace(/\.+$/, '') || 'the connection failed'
  const advice = adviceFor(err)
  // A fixed password the server refused is refused again on every retry; a password function may rotate.
  const retryable = advice !== ADVICE.login || dynamicPassword
  return new ConnectError(`Could not connect to ${server}: ${why}. ${advice}`, err, { retryable })
}
