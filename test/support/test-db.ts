/**
 * A fresh, uniquely named database per test file, dropped afterwards even when the tests fail.
 *
 * @example
 * const pgDb = useTestDatabase('postgres')
 * it('works', async () => { const url = pgDb.url })
 */
import { afterAll, beforeAll } from 'vitest'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { MYSQL_URL, PG_URL, type ServerKind } from './servers.js'

const PREFIX = 'dbscope_t_'
const STALE_AFTER_MS = 60 * 60 * 1000

export interface TestDatabase {
  readonly kind: ServerKind
  readonly name: string
  /** A URL that points at the new database. */
  readonly url: string
  drop(): Promise<void>
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

/** Creates a database named `dbscope_t_<time>_<random>` on the server of that kind. */
export async function createTestDatabase(kind: ServerKind, label = 'db'): Promise<TestDatabase> {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 20)
  const name = `${PREFIX}${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}_${slug}`
  if (kind === 'postgres') {
    await withPg((c) => c.query(`CREATE DATABASE "${name}"`))
    return {
      kind,
      name,
      url: withDatabase(PG_URL, name),
      drop: () => withPg((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
    }
  }
  await withMysql((c) => c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`))
  return {
    kind,
    name,
    url: withDatabase(MYSQL_URL, name),
    drop: () => withMysql((c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``)).then(() => undefined),
  }
}

/** Registers beforeAll/afterAll hooks that create and drop a database; read `.url` inside tests. */
export function useTestDatabase(kind: ServerKind, label?: string): TestDatabase {
  let db: TestDatabase | undefined
  beforeAll(async () => {
    db = await createTestDatabase(kind, label ?? kind)
  })
  afterAll(async () => {
    await db?.drop()
  })
  return {
    kind,
    get name() {
      if (!db) throw new Error('useTestDatabase: read .name inside a test or hook, after beforeAll ran')
      return db.name
    },
    get url() {
      if (!db) throw new Error('useTestDatabase: read .url inside a test or hook, after beforeAll ran')
      return db.url
    },
    drop: async () => db?.drop(),
  }
}

/** Drops `dbscope_t_*` databases older than an hour: leftovers of runs that were killed mid-way. */
export async function sweepStaleDatabases(): Promise<void> {
  const cutoff = Date.now() - STALE_AFTER_MS
  const isStale = (name: string) => {
    const stamp = parseInt(name.slice(PREFIX.length).split('_')[0] ?? '', 36)
    return Number.isFinite(stamp) && stamp < cutoff
  }
  const pgNames = await withPg(async (c) => {
    const r = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'dbscope\\_t\\_%'`)
    return r.rows.map((row) => row.datname)
  })
  for (const name of pgNames.filter(isStale)) {
    await withPg((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch(() => undefined)
  }
  const myNames = await withMysql(async (c) => {
    const [rows] = await c.query(`SHOW DATABASES LIKE 'dbscope\\_t\\_%'`)
    return (rows as Record<string, string>[]).map((row) => Object.values(row)[0] ?? '')
  })
  for (const name of myNames.filter(isStale)) {
    await withMysql((c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``)).catch(() => undefined)
  }
}

/** Runs `fn` on a short-lived admin connection to the PostgreSQL server. */
export async function withPg<T>(fn: (c: pg.Client) => Promise<T>, url = PG_URL): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

/** Runs `fn` on a short-lived admin connection to the MariaDB/MySQL server. */
export async function withMysql<T>(fn: (c: mysql.Connection) => Promise<T>, url = MYSQL_URL): Promise<T> {
  const c = await mysql.createConnection({ uri: url, multipleStatements: true })
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}
