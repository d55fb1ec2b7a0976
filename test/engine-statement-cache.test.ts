/**
 * PostgreSQL's statement cache: a statement with parameters is prepared once per connection and reused, the least
 * recently used beyond `statementCache` are closed, and a statement made stale by ALTER TABLE fails once, retryably,
 * then runs prepared afresh. Checked on the server itself, through `pg_prepared_statements` (the session's own).
 *
 * PostgreSQL only: MariaDB's driver path sends text queries, PGlite runs in-process, and behind PgBouncer the cache
 * is off by default (pgbouncer-engine.test.ts runs every statement kind through it).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import { ConfigError, defineDb, disposeAll, QueryError, type Db, type DbConfig } from '../src/index.js'
import { createTestDatabase, withPg, type TestDatabase } from './support/test-db.js'
import { pgbouncerUrlFor } from './support/servers.js'
import { pgbouncerMissing } from './support/pgbouncer.js'

interface DB {
  items: { id: number; name: string }
}

/** The statements prepared on the session running this: their text, by name. */
async function prepared(k: Kysely<any>): Promise<{ name: string; statement: string }[]> {
  const r = await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements ORDER BY name`.execute(k)
  return r.rows
}

describe('statement cache [postgres]', () => {
  let testDb: TestDatabase
  const make = (options: Omit<DbConfig, 'url'> = {}): Db<DB> => defineDb<DB>({ url: testDb.url, pool: { max: 1 }, ...options })

  beforeAll(async () => {
    testDb = await createTestDatabase('postgres', 'statement cache')
    await withPg((c) => c.query(`CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) g`), testDb.url)
  })
  afterEach(() => disposeAll())
  afterAll(() => testDb.drop())

  it('prepares a statement with parameters once per connection and reuses it, in a scope and through db.kysely', async () => {
    const db = make()
    const byId = (k: Kysely<DB>, id: number) => k.selectFrom('items').select('name').where('id', '=', id).executeTakeFirstOrThrow()
    const names = await db.scope(async (tx) => [await byId(tx, 1), await byId(tx, 2), await byId(tx, 3)].map((r) => r.name))
    expect(names).toEqual(['item 1', 'item 2', 'item 3'])
    for (let id = 4; id <= 6; id++) expect((await byId(db.kysely, id)).name).toBe(`item ${id}`)
    const onServer = await prepared(db.kysely)
    // One server-side statement for six runs on the one connection (pool max 1).
    expect(onServer.filter((s) => s.statement.includes('from "items"'))).toHaveLength(1)
    expect(onServer.every((s) => s.name.startsWith('dbscope_'))).toBe(true)
  })

  it('keeps at most statementCache statements per connection, closing one that was not used since it was passed over', async () => {
    const db = make({ statementCache: 2 })
    const byId = () => db.kysely.selectFrom('items').select('id').where('id', '=', 1).execute()
    const nameById = () => db.kysely.selectFrom('items').select('name').where('id', '=', 1).execute()
    await byId()
    await nameById()
    await byId() // used again: it survives the next eviction, though it is the oldest
    await db.kysely.selectFrom('items').select('id').where('id', '>', 18).execute() // a third statement: one must go
    const onServer = await prepared(db.kysely)
    expect(onServer.map((s) => s.statement).sort()).toEqual(['select "id" from "items" where "id" = $1', 'select "id" from "items" where "id" > $1'])
    await nameById() // evicted, so prepared afresh: still correct
    expect(await prepared(db.kysely)).toHaveLength(2)
  })

  it('a statement longer than 8 kB (a big multi-row INSERT) runs unnamed, and is not kept', async () => {
    const db = make()
    await withPg((c) => c.query('CREATE TABLE bulk (id int PRIMARY KEY, label text NOT NULL)'), testDb.url)
    const rows = Array.from({ length: 800 }, (_, i) => ({ id: i + 1, label: `row ${i + 1}` })) // ~13 kB of SQL
    await db.kysely.insertInto('bulk' as any).values(rows).execute()
    const small = await db.kysely.selectFrom('bulk' as any).select('label').where('id', '=', 7).executeTakeFirstOrThrow()
    expect(small).toEqual({ label: 'row 7' })
    const onServer = await prepared(db.kysely)
    expect(onServer.some((s) => s.statement.startsWith('insert into "bulk"'))).toBe(false)
    expect(onServer.some((s) => s.statement.includes('from "bulk"'))).toBe(true)
  })

  it('statements queued on one connection at once (Promise.all in a scope) survive eviction and DEALLOCATE ALL between them', async () => {
    const db = make({ statementCache: 2 })
    const columns = ['id', 'name'] as const
    const one = (k: Kysely<DB>, i: number) =>
      k.selectFrom('items').select(columns[i % 2]!).where('id', i % 3 === 0 ? '=' : '<=', 1 + (i % 5)).orderBy('id').execute()
    for (let round = 0; round < 3; round++) {
      const results = await db.scope((tx) =>
        Promise.all(Array.from({ length: 12 }, (_, i) => (i === 6 ? sql`DEALLOCATE ALL`.execute(tx).then(() => []) : one(tx, i + round)))),
      )
      results.forEach((rows, i) => {
        if (i === 6) return
        const n = i + round
        expect(rows).toHaveLength(n % 3 === 0 ? 1 : 1 + (n % 5))
        expect(Object.keys(rows[0] as object)).toEqual([columns[n % 2]])
      })
    }
  })

  it('statementCache: 0 prepares nothing, and results are the same', async () => {
    const db = make({ statementCache: 0 })
    const row = await db.kysely.selectFrom('items').select('name').where('id', '=', 7).executeTakeFirstOrThrow()
    expect(row.name).toBe('item 7')
    expect(await prepared(db.kysely)).toEqual([])
  })

  it('a statement that fails to parse is not kept, and the connection goes on', async () => {
    const db = make()
    const bad = () => sql`SELECT no_such_column FROM items WHERE id = ${1}`.execute(db.kysely)
    for (let i = 0; i < 2; i++) await expect(bad()).rejects.toThrow(/no_such_column/)
    expect((await db.kysely.selectFrom('items').select('name').where('id', '=', 8).executeTakeFirstOrThrow()).name).toBe('item 8')
    const onServer = await prepared(db.kysely)
    expect(onServer.some((s) => s.statement.includes('no_such_column'))).toBe(false)
  })

  it('after ALTER TABLE changes a cached statement\'s result, it fails once with a retryable STALE_STATEMENT, then runs afresh', async () => {
    const db = make()
    await withPg((c) => c.query('CREATE TABLE widgets (id int PRIMARY KEY); INSERT INTO widgets VALUES (1)'), testDb.url)
    const all = () => sql<Record<string, unknown>>`SELECT * FROM widgets WHERE id = ${1}`.execute(db.kysely)
    expect((await all()).rows).toEqual([{ id: 1 }])
    await withPg((c) => c.query("ALTER TABLE widgets ADD COLUMN label text DEFAULT 'w'"), testDb.url)
    const err = await all().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(QueryError)
    expect(err).toMatchObject({ code: 'STALE_STATEMENT', retryable: true, sqlState: '0A000' })
    expect((await all()).rows).toEqual([{ id: 1, label: 'w' }])

    // In a scope with retry, the same change is invisible: the first attempt fails, the retry prepares afresh.
    await withPg((c) => c.query("ALTER TABLE widgets ADD COLUMN size int DEFAULT 3"), testDb.url)
    let attempts = 0
    const row = await db.scope(
      async (tx) => {
        attempts++
        return (await sql<Record<string, unknown>>`SELECT * FROM widgets WHERE id = ${1}`.execute(tx)).rows[0]
      },
      { retry: { attempts: 2, backoff: { baseMs: 1 } } },
    )
    expect(row).toEqual({ id: 1, label: 'w', size: 3 })
    expect(attempts).toBe(2)
  })

  it('DISCARD ALL and DEALLOCATE ALL empty the cache with the session\'s statements, so nothing fails after them', async () => {
    const db = make()
    const byId = (id: number) => db.kysely.selectFrom('items').select('name').where('id', '=', id).executeTakeFirstOrThrow()
    await byId(1)
    await sql`DISCARD ALL`.execute(db.kysely)
    expect((await byId(2)).name).toBe('item 2')
    await db.scope(async (tx) => {
      await sql`DEALLOCATE ALL`.execute(tx) // the scope's first statement: sent after BEGIN in one round trip
      expect((await tx.selectFrom('items').select('name').where('id', '=', 3).executeTakeFirstOrThrow()).name).toBe('item 3')
    })
    expect(await prepared(db.kysely)).toHaveLength(1)
  })

  it('a cached statement missing from its session fails once, retryably; the cache then turns off with one warning', async () => {
    const warnings: string[] = []
    const db = make({ logger: { warn: (m) => void warnings.push(m) } })
    const byId = () => db.kysely.selectFrom('items').select('name').where('id', '=', 9).executeTakeFirstOrThrow()
    await byId()
    const mine = (await prepared(db.kysely)).find((s) => s.statement.includes('from "items"'))
    expect(mine!.name).toMatch(/^dbscope_[0-9a-f]{8}_\d+$/)
    await sql.raw(`DEALLOCATE ${mine!.name}`).execute(db.kysely) // what a pooler's server-connection switch looks like
    await expect(byId()).rejects.toMatchObject({ code: 'STALE_STATEMENT', retryable: true, sqlState: '26000' })
    expect((await byId()).name).toBe('item 9')
    await db.kysely.selectFrom('items').select('id').where('id', '<', 3).execute()
    expect((await prepared(db.kysely)).filter((s) => s.statement.includes('from "items"'))).toEqual([]) // nothing new
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/statement cache is now off.*pooler: 'pgbouncer'/)
  })

  it.skipIf(pgbouncerMissing())('behind PgBouncer in transaction mode without pooler set, no statement runs as another one and scopes with retry all commit', async () => {
    await withPg((c) => c.query('CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counters SELECT g, 0 FROM generate_series(1, 8) g'), testDb.url)
    const warnings: string[] = []
    // Two dbscope engines (two "processes") through one PgBouncer pool: server connections are shared between them.
    const dbs = [0, 1].map((i) =>
      // Distinct URLs (a query parameter) give distinct engines in this one process.
      defineDb<any>({ url: `${pgbouncerUrlFor(testDb.name)}?application_name=sc${i}`, pool: { max: 4 }, guard: { budget: 'off' }, logger: { warn: (m) => void warnings.push(m) } }),
    )
    const work = Array.from({ length: 80 }, (_, i) =>
      dbs[i % 2]!.scope(
        async (tx) => {
          const id = 1 + (i % 8)
          const before = await tx.selectFrom('counters').select('n').where('id', '=', id).executeTakeFirstOrThrow()
          await tx.updateTable('counters').set({ n: before.n + 1 }).where('id', '=', id).execute()
          // A different statement under each engine's names: run as the other engine's, it would return other columns.
          const row = await tx.selectFrom('counters').select(['id', 'n']).where('id', '=', id).executeTakeFirstOrThrow()
          expect(Object.keys(row).sort()).toEqual(['id', 'n'])
        },
        { isolation: 'serializable', retry: { attempts: 10, backoff: { baseMs: 1, maxMs: 20 } } },
      ),
    )
    await Promise.all(work)
    const total = await withPg((c) => c.query('SELECT sum(n)::int AS s FROM counters'), testDb.url)
    expect(total.rows[0].s).toBe(80)
    // The switch happened (at most once per engine), and said what to do.
    expect(warnings.length).toBeGreaterThanOrEqual(1)
    expect(warnings.length).toBeLessThanOrEqual(2)
    expect(warnings.every((w) => /statement cache is now off/.test(w))).toBe(true)
    await Promise.all(dbs.map((d) => d.dispose()))
  })

  it('rejects a statementCache that is not a whole number ≥ 0', () => {
    expect(() => make({ statementCache: -1 })).toThrow(ConfigError)
    expect(() => make({ statementCache: 1.5 })).toThrow(/statementCache must be an integer/)
  })
})
