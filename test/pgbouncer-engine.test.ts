import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectionLostError, PoolTimeoutError, ScopeTimeoutError, defineDb, disposeAll } from '../src/index.js'
import { createTestDatabase, withPg, type TestDatabase } from './support/test-db.js'
import { PGBOUNCER_URL, pgbouncerUrlFor } from './support/servers.js'
import { eventually } from './support/sessions.js'
import { pgbouncerMissing } from './support/pgbouncer.js'

// The engine behaviours that count server sessions (engine-pool-options, engine-killed-backend while idle, …) do not
// carry over to PgBouncer: the server sessions are PgBouncer's, not the pool's. These are the ones that do, measured
// on PgBouncer's own admin console (SHOW CLIENTS) and on the server.

async function pgbouncerClients(database: string): Promise<number> {
  const admin = new URL(PGBOUNCER_URL)
  admin.pathname = '/pgbouncer'
  return withPg(async (c) => {
    // The admin console speaks the simple protocol only.
    const r = await c.query({ text: 'SHOW CLIENTS', queryMode: 'simple' } as never) as unknown as { rows: { database: string }[] }
    return r.rows.filter((row) => row.database === database).length
  }, admin.toString())
}

describe.skipIf(pgbouncerMissing())('the engine through PgBouncer (transaction pooling)', () => {
  let testDb: TestDatabase
  let url: string
  beforeAll(async () => {
    testDb = await createTestDatabase('postgres', 'pgbouncer engine')
    url = pgbouncerUrlFor(testDb.name)
  })
  afterEach(() => disposeAll())
  afterAll(() => testDb.drop())

  it('pool.max caps the client connections PgBouncer sees; stats() reports the load', async () => {
    const db = defineDb({ url, pooler: 'pgbouncer', pool: { max: 3 } })
    // Every scope holds its connection until released, so the full load is seen however slowly connections open.
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    const work = Promise.all(
      Array.from({ length: 6 }, () =>
        db.scope(async (tx) => {
          await sql`SELECT 1`.execute(tx)
          await held
        }),
      ),
    )
    const loaded = await eventually(async () => db.stats().busy === 3, 10_000)
    expect(db.stats()).toMatchObject({ total: 3, busy: 3, waiting: 3 })
    expect(loaded).toBe(true)
    expect(await pgbouncerClients(testDb.name)).toBe(3)
    release()
    await work
    expect(db.stats()).toMatchObject({ total: 3, busy: 0, waiting: 0 })
  })

  it('acquireTimeoutMs: a PoolTimeoutError when every client connection is busy', async () => {
    const db = defineDb({ url, pooler: 'pgbouncer', pool: { max: 1, acquireTimeoutMs: 150 } })
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    const holder = db.scope(async (tx) => {
      await sql`SELECT 1`.execute(tx)
      await held
    })
    expect(await eventually(async () => db.stats().busy === 1, 10_000)).toBe(true)
    const err = await db.scope((tx) => sql`SELECT 1`.execute(tx)).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(PoolTimeoutError)
    release()
    await holder
  })

  it('a scope timeout cancels the statement through PgBouncer (its cancel key) and rolls back', async () => {
    await withPg((c) => c.query('CREATE TABLE t (id int)'), testDb.url)
    const db = defineDb({ url, pooler: 'pgbouncer', pool: { max: 2 } })
    const started = Date.now()
    const err = await db
      .scope(async (tx) => {
        await sql`INSERT INTO t VALUES (1)`.execute(tx)
        await sql`SELECT pg_sleep(10)`.execute(tx)
      }, { timeoutMs: 300 })
      .then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(ScopeTimeoutError)
    expect(Date.now() - started).toBeLessThan(5_000)
    const n = await withPg(async (c) => Number((await c.query('SELECT count(*) AS n FROM t')).rows[0].n), testDb.url)
    expect(n).toBe(0)
    const active = await withPg(async (c) => Number((await c.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_sleep(10)%' AND state = 'active' AND pid <> pg_backend_pid()`, [testDb.name])).rows[0].n), testDb.url)
    expect(active).toBe(0)
    expect(db.stats().busy).toBe(0)
  })

  it('a server backend killed mid-scope: ConnectionLostError (retryable), and the next scope succeeds', async () => {
    const db = defineDb({ url, pooler: 'pgbouncer', pool: { max: 2 } })
    const err = await db
      .scope(async (tx) => {
        const pid = (await sql<{ id: number }>`SELECT pg_backend_pid() AS id`.execute(tx)).rows[0]!.id
        setTimeout(() => void withPg((c) => c.query('SELECT pg_terminate_backend($1)', [pid])), 150)
        await sql`SELECT pg_sleep(5)`.execute(tx)
      })
      .then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(ConnectionLostError)
    expect((err as ConnectionLostError).retryable).toBe(true)
    const one = await db.scope(async (tx) => (await sql<{ one: number }>`SELECT 1 AS one`.execute(tx)).rows[0]!.one)
    expect(one).toBe(1)
    expect(db.stats().busy).toBe(0)
  })

  it('serialization failures are retried through PgBouncer, and the retry commits', async () => {
    await withPg((c) => c.query('CREATE TABLE counter (id int PRIMARY KEY, n int); INSERT INTO counter VALUES (1, 0)'), testDb.url)
    const db = defineDb({ url, pooler: 'pgbouncer', pool: { max: 8 } })
    const bump = () =>
      db.scope(async (tx) => {
        const n = (await sql<{ n: number }>`SELECT n FROM counter WHERE id = 1`.execute(tx)).rows[0]!.n
        await new Promise((r) => setTimeout(r, 20))
        await sql`UPDATE counter SET n = ${n + 1} WHERE id = 1`.execute(tx)
      }, { isolation: 'serializable', retry: { attempts: 30 } })
    await Promise.all(Array.from({ length: 6 }, bump))
    const n = await withPg(async (c) => Number((await c.query('SELECT n FROM counter')).rows[0].n), testDb.url)
    expect(n).toBe(6)
  })
})
