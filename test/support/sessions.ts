/**
 * What the server says about our sessions, per target: the session id behind a `tx`, open-transaction and
 * running-statement counts, and killing a session — so scope tests assert on the server, not on our own bookkeeping.
 *
 * @example
 * const id = await sessionId(t, tx)
 * await killSession(t, id)
 */
import { sql, type Kysely } from 'kysely'
import { pgliteInstance, type Target } from './targets.js'
import { withMysql, withPg } from './test-db.js'

/** The server's id for the session running `tx`'s statements (backend pid / connection id; 0 on PGlite). */
export async function sessionId(t: Target, tx: Kysely<any>): Promise<number> {
  if (t.kind === 'pglite') return 0
  const q = t.kind === 'postgres' ? sql<{ id: number }>`SELECT pg_backend_pid() AS id` : sql<{ id: number }>`SELECT CONNECTION_ID() AS id`
  return Number((await q.execute(tx)).rows[0]!.id)
}

/** Runs one query on a fresh admin connection to this target's database (directly, not through PgBouncer). */
export async function admin<R = Record<string, unknown>>(t: Target, text: string, params: unknown[] = []): Promise<R[]> {
  if (t.kind === 'postgres') return withPg(async (c) => (await c.query(text, params)).rows as R[], t.directUrl)
  if (t.kind === 'mysql') return withMysql(async (c) => (await c.query(text, params))[0] as R[], t.directUrl)
  throw new Error('admin() needs a server target')
}

/** Sessions of this database holding an open transaction while idle (PostgreSQL `idle in transaction`). */
export async function idleInTransaction(t: Target): Promise<number> {
  if (t.kind === 'pglite') return (await pgliteInstance()).isInTransaction() ? 1 : 0
  if (t.kind === 'postgres') {
    const r = await admin<{ n: string }>(
      t,
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
    )
    return Number(r[0]!.n)
  }
  const r = await admin<{ n: number }>(
    t,
    `SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX x JOIN information_schema.PROCESSLIST p ON p.ID = x.trx_mysql_thread_id
      WHERE p.DB = DATABASE() AND p.COMMAND = 'Sleep'`,
  )
  return Number(r[0]!.n)
}

/** Statements matching `pattern` (SQL LIKE) that are running right now in this database. */
export async function runningStatements(t: Target, pattern: string): Promise<number> {
  if (t.kind === 'postgres') {
    const r = await admin<{ n: string }>(
      t,
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'
         AND query LIKE $1 AND pid <> pg_backend_pid()`,
      [pattern],
    )
    return Number(r[0]!.n)
  }
  const r = await admin<{ n: number }>(
    t,
    `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND COMMAND = 'Query' AND INFO LIKE ? AND ID <> CONNECTION_ID()`,
    [pattern],
  )
  return Number(r[0]!.n)
}

/** Sessions of this database tagged with `applicationName` (PostgreSQL) or from this database (MySQL). */
export async function openSessions(t: Target, applicationName: string): Promise<number> {
  if (t.kind === 'postgres') {
    const r = await admin<{ n: string }>(
      t,
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
      [applicationName],
    )
    return Number(r[0]!.n)
  }
  const r = await admin<{ n: number }>(t, `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()`)
  return Number(r[0]!.n)
}

/** Kills a session from outside, for real: pg_terminate_backend / KILL. */
export async function killSession(t: Target, id: number): Promise<void> {
  if (t.kind === 'postgres') await admin(t, 'SELECT pg_terminate_backend($1)', [id])
  else await admin(t, `KILL ${Number(id)}`)
}

/** A statement that sleeps on the server for `seconds`. */
export function sleepStatement(t: Target, seconds: number) {
  return t.kind === 'mysql' ? sql`SELECT SLEEP(${seconds})` : sql`SELECT pg_sleep(${seconds})`
}

/** Polls `check` until it returns true or `ms` pass; returns its last answer. */
export async function eventually(check: () => Promise<boolean>, ms = 3_000): Promise<boolean> {
  const until = Date.now() + ms
  for (;;) {
    if (await check()) return true
    if (Date.now() > until) return false
    await new Promise((r) => setTimeout(r, 25))
  }
}
