/**
 * What a ConnectError says of each host of a multi-host URL that could not be used (`error.hosts`), and the error a
 * dialect's host picker throws with the attempts it is made from.
 *
 * @example
 * const why: HostFailure = { host: 'db2:5432', reason: 'read-only', message: 'read-only (a standby …)' }
 */
import type { TlsCheck } from './tls/failure.js'

/**
 * Why one host of a multi-host URL was not used:
 * - `refused`: nothing listening, the network, a host name that does not resolve, or a server that is starting up
 *   or shutting down;
 * - `timeout`: no answer within `pool.connectTimeoutMs`;
 * - `tls`: a TLS check failed (`tlsCheck` says which);
 * - `auth`: the login was refused (wrong password, no such role, pg_hba.conf);
 * - `read-only`: it answered as a standby or read-only, and target_session_attrs=read-write asks for a writable one;
 * - `other`: anything else (the database does not exist, too many connections, …).
 */
export type HostFailureReason = 'refused' | 'timeout' | 'tls' | 'auth' | 'read-only' | 'other'

/** One host's failure in a ConnectError: `host:port`, the reason, and what was said (never a password). */
export interface HostFailure {
  readonly host: string
  readonly reason: HostFailureReason
  /** The TLS check that failed, when `reason` is `tls`. */
  readonly tlsCheck?: TlsCheck
  readonly message: string
}

/** One host that was not used: the driver's error, or `readOnly` when it answered as a standby or read-only. */
export type HostAttempt = { readonly host: string; readonly error: unknown } | { readonly host: string; readonly readOnly: true }

/** No host of a multi-host URL could be used; `attempts` says why, per host, in the order they were tried. */
export class NoHostAnswered extends Error {
  readonly attempts: readonly HostAttempt[]
  /** The URL asked for a writable host (target_session_attrs=read-write). */
  readonly readWrite: boolean
  constructor(attempts: readonly HostAttempt[], readWrite: boolean) {
    super(`no ${readWrite ? 'writable primary' : 'host'} answered among ${attempts.map((a) => a.host).join(', ')}`)
    this.attempts = attempts
    this.readWrite = readWrite
  }
}
