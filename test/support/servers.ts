/**
 * Where the test servers are, and how to tell a person to start one that is down.
 *
 * The URLs come from `DBSCOPE_PG_URL` and `DBSCOPE_MYSQL_URL`, defaulting to the servers on these machines.
 */
import pg from 'pg'
import mysql from 'mysql2/promise'
import { redactUrl } from '../../src/redact.js'

export { redactUrl }

export const PG_URL = process.env.DBSCOPE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const MYSQL_URL = process.env.DBSCOPE_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
/** PgBouncer (transaction pooling) in front of the PostgreSQL above; the path names the database. */
export const PGBOUNCER_URL = process.env.DBSCOPE_PGBOUNCER_URL ?? 'postgres://postgres@127.0.0.1:6432/postgres'

/** PGBOUNCER_URL pointed at `database` (PgBouncer's `* =` entry forwards any database name). */
export function pgbouncerUrlFor(database: string): string {
  const u = new URL(PGBOUNCER_URL)
  u.pathname = `/${database}`
  return u.toString()
}

export const START_HINT = {
  postgres: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  mysql: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  pgbouncer: 'bash scripts/pgbouncer.sh start',
} as const

const ENV_VAR = { postgres: 'DBSCOPE_PG_URL', mysql: 'DBSCOPE_MYSQL_URL', pgbouncer: 'DBSCOPE_PGBOUNCER_URL' } as const
const LABEL = { postgres: 'PostgreSQL', mysql: 'MariaDB/MySQL', pgbouncer: 'PgBouncer' } as const

/** A database server the tests create databases on (PgBouncer only forwards to PostgreSQL). */
export type ServerKind = 'postgres' | 'mysql'


/** Resolves when the server answers `SELECT 1`; rejects with a message naming the URL and the start command. */
export async function assertReachable(kind: keyof typeof START_HINT): Promise<void> {
  const url = kind === 'postgres' ? PG_URL : kind === 'pgbouncer' ? PGBOUNCER_URL : MYSQL_URL
  try {
    if (kind !== 'mysql') {
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
      await c.connect()
      try { await c.query('SELECT 1') } finally { await c.end() }
    } else {
      const c = await mysql.createConnection({ uri: url, connectTimeout: 3_000 })
      try { await c.query('SELECT 1') } finally { await c.end() }
    }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    throw new Error(
      `${LABEL[kind]} is not reachable at ${redactUrl(url)} (${why}).\n` +
        `Start it with: ${START_HINT[kind]}\n` +
        `or point ${ENV_VAR[kind]} at a running server.`,
    )
  }
}
