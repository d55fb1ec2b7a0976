/**
 * What a transaction pooler (PgBouncer, `pool_mode = transaction`) cannot do, checked on the SQL text only when
 * `pooler` is set: a session feature would silently land on whichever server connection runs the next transaction.
 * Every statement session-state.ts finds changing the session is refused, with its transaction-local form.
 *
 * Named prepared statements need no check here: with `pooler` set, the statement cache is off by default, so dbscope
 * sends every statement unnamed (pg's extended protocol with an empty statement name), which PgBouncer passes through
 * in transaction mode (`statementCache` can turn it back on for a PgBouncer with `max_prepared_statements`; without
 * `pooler`, the cache turns itself off when a statement goes missing). Session parameters at connect
 * (application_name, statement_timeout, …) are not sent when `pooler` is set (see dialects/postgres/driver.ts), and config
 * rejects pool.statementTimeoutMs / idleInTransactionTimeoutMs with the pooler.
 *
 * @example
 * assertPoolerSafe('SELECT pg_advisory_xact_lock(1)') // fine: released at transaction end
 * assertPoolerSafe("SELECT set_config('app.t', 'x', false)") // throws PoolerUnsupportedError: names set_config(…, true)
 */
import { PoolerUnsupportedError } from './errors.js'
import { sessionChange } from './session-state.js'

/** Throws PoolerUnsupportedError when `sql` uses a session feature that breaks behind a transaction pooler. */
export function assertPoolerSafe(sql: string): void {
  const r = sessionChange(sql, 'postgres')
  if (r === undefined) return
  throw poolerError(r)
}

/** The refusal of a statement that changes its session, behind a transaction pooler. */
export function poolerError(r: { name: string; why: string; instead: string }): PoolerUnsupportedError {
  return new PoolerUnsupportedError(
    `${r.name} is not supported behind a transaction pooler (pooler: 'pgbouncer'): ${r.why}. Instead, ${r.instead}.`,
  )
}
