/**
 * Reads what the server sees: how many sessions are connected to a database, and a session's settings.
 *
 * @example
 * expect(await sessionsOn(t.name, t.url)).toBe(3)
 */
import { withMysql, withPg } from './test-db.js'

/** Client sessions connected to `url`'s database, not counting the one that asks. */
export async function sessionsOn(kind: 'postgres' | 'mysql', url: string): Promise<number> {
  const database = decodeURIComponent(new URL(url).pathname.slice(1))
  if (kind === 'postgres') {
    return withPg(async (c) => {
      const r = await c.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        [database],
      )
      return Number(r.rows[0]!.n)
    })
  }
  return withMysql(async (c) => {
    const [rows] = await c.query(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()`, [database])
    return Number((rows as { n: number }[])[0]!.n)
  })
}

/** Polls `read` until it returns `expected` (or the time is up) and returns the last value read. */
export async function eventually<T>(read: () => Promise<T> | T, expected: T, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs
  let last = await read()
  while (last !== expected && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50))
    last = await read()
  }
  return last
}

/** The server's id for the session that runs this query: PostgreSQL backend pid or MySQL connection id. */
export function backendIdSql(kind: 'postgres' | 'mysql' | 'pglite'): string {
  return kind === 'mysql' ? 'SELECT CONNECTION_ID() AS id' : 'SELECT pg_backend_pid() AS id'
}

/** Terminates a session from an admin connection: pg_terminate_backend or KILL. */
export async function killSession(kind: 'postgres' | 'mysql', id: number): Promise<void> {
  if (kind === 'postgres') await withPg((c) => c.query('SELECT pg_terminate_backend($1)', [id]))
  else await withMysql((c) => c.query(`KILL ${Number(id)}`))
}

/** A statement that sleeps on the server for `seconds`. */
export function sleepSql(kind: 'postgres' | 'mysql' | 'pglite', seconds: number): string {
  return kind === 'mysql' ? `SELECT SLEEP(${seconds}) AS s` : `SELECT pg_sleep(${seconds}) AS s`
}
