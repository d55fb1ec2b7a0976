/**
 * The error for a connection that could not be opened: what the driver said, once, then the one piece of advice
 * that fits what went wrong (nothing listening, a host name that does not resolve, no answer in time, the login
 * refused, no such database). With a multi-host URL where no host could be used: each host's reason (`hosts`).
 *
 * @example
 * throw connectError('postgres://app@127.0.0.1:5432/app', err, (text) => engine.redact(text))
 * // Could not connect to postgres://app@127.0.0.1:5432/app: connect ECONNREFUSED 127.0.0.1:5432. Nothing accepted …
 */
import { ConnectError } from '../errors.js'
import { NoHostAnswered, type HostAttempt, type HostFailure, type HostFailureReason } from '../host-failure.js'
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

type Kind = keyof typeof ADVICE

/** PostgreSQL SQLSTATE, MySQL errno or Node's socket code → what went wrong. */
function kindOf(err: unknown): Kind {
  const e = (err ?? {}) as { code?: unknown; errno?: unknown; message?: unknown }
  const code = typeof e.code === 'string' ? e.code : ''
  if (code === 'ECONNREFUSED') return 'refused'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unresolved'
  if (code === 'ETIMEDOUT' || /timeout/i.test(String(e.message ?? ''))) return 'timeout'
  // 28P01/28000: PostgreSQL password/authorization; 1045: MySQL access denied.
  if (code === '28P01' || code === '28000' || e.errno === 1045) return 'login'
  // 3D000: PostgreSQL invalid_catalog_name; 1049: MySQL unknown database.
  if (code === '3D000' || e.errno === 1049) return 'database'
  return 'other'
}

/** Socket codes and SQLSTATEs that mean "nothing takes connections there now": 57P03 is starting up or shutting down. */
const UNAVAILABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', '57P03'])

/** Why one host of a multi-host URL failed, as a HostFailure; `retryable` unless TLS or a fixed password's login. */
function hostFailure(a: HostAttempt, redact: (text: string) => string, dynamicPassword: boolean): HostFailure & { retryable: boolean } {
  if ('readOnly' in a) {
    const message = 'a standby, or default_transaction_read_only is on, and target_session_attrs=read-write asks for a writable primary'
    return { host: a.host, reason: 'read-only', message, retryable: true }
  }
  const tls = tlsFailure(a.error)
  if (tls) return { host: a.host, reason: 'tls', tlsCheck: tls.check, message: redact(tls.message), retryable: false }
  const said = a.error instanceof Error ? a.error.message : String(a.error)
  const message = redact(said).trim().replace(/\.+$/, '') || 'the connection failed'
  const code = String((a.error as { code?: unknown } | null)?.code ?? '')
  const kind = kindOf(a.error)
  const reason: HostFailureReason =
    kind === 'refused' || kind === 'unresolved' || UNAVAILABLE.has(code) ? 'refused' : kind === 'timeout' ? 'timeout' : kind === 'login' ? 'auth' : 'other'
  return { host: a.host, reason, message, retryable: reason !== 'auth' || dynamicPassword }
}

/** Every host of a multi-host URL failed: one line per host, retryable when some host's reason can go away. */
function noHostError(server: string, err: NoHostAnswered, redact: (text: string) => string, dynamicPassword: boolean): ConnectError {
  const found = err.attempts.map((a) => hostFailure(a, redact, dynamicPassword))
  const retryable = found.some((f) => f.retryable)
  const hosts: HostFailure[] = found.map(({ retryable: _r, ...f }) => f)
  const advice = retryable
    ? 'Retry shortly (the error is retryable): a host that is down, or not promoted yet, may answer then.'
    : 'Retrying cannot fix this: fix the TLS settings or the login named for each host.'
  const lines = hosts.map((h) => `${h.host}: ${h.reason}, ${h.message.replace(/\.+$/, '')}`).join('; ')
  return new ConnectError(`Could not connect to ${server}: ${redact(err.message)} (${lines}). ${advice}`, err, { retryable, hosts })
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
  if (err instanceof NoHostAnswered) return noHostError(server, err, redact, dynamicPassword)
  const tls = tlsFailure(err)
  if (tls) return new ConnectError(`Could not connect to ${server}: ${redact(tls.message)}`, err, { retryable: false })
  const said = err instanceof Error ? err.message : String(err)
  const why = redact(said).trim().replace(/\.+$/, '') || 'the connection failed'
  const kind = kindOf(err)
  // A fixed password the server refused is refused again on every retry; a password function may rotate.
  const retryable = kind !== 'login' || dynamicPassword
  return new ConnectError(`Could not connect to ${server}: ${why}. ${ADVICE[kind]}`, err, { retryable })
}
