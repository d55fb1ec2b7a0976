import { describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectionLostError, EngineDisposedError, defineDb } from '../src/index.js'
import { eventually, sessionsOn, sleepSql } from './support/server-sessions.js'
import { useTestDatabase, withMysql, withPg } from './support/test-db.js'

/** Statements of `database` the server is running right now (state active / command Query), the asker left out. */
async function runningOn(kind: 'postgres' | 'mysql', database: string): Promise<number> {
  if (kind === 'postgres') {
    return withPg(async (c) => {
      const r = await c.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()`,
        [database],
      )
      return Number(r.rows[0]!.n)
    })
  }
  return withMysql(async (c) => {
    const [rows] = await c.query(
      `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND INFO LIKE '%SLEEP(%' AND ID <> CONNECTION_ID()`,
      [database],
    )
    return Number((rows as { n: number }[])[0]!.n)
  })
}

for (const kind of ['postgres', 'mysql'] as const) {
  describe(`dispose(graceMs) ends what it cuts [${kind}]`, () => {
    const testDb = useTestDatabase(kind, 'dispose-cut')

    it('statements still running after the grace are cancelled on the server; their scopes reject with EngineDisposedError', async () => {
      const db = defineDb({ url: testDb.url, pool: { max: 5 } })
      const scopes = Array.from({ length: 3 }, () =>
        db.scope((tx) => sql.raw(sleepSql(kind, 8)).execute(tx)).then(
          () => undefined,
          (e: unknown) => e,
        ),
      )
      expect(await eventually(() => runningOn(kind, testDb.name), 3, 10_000)).toBe(3)

      await db.dispose(300)

      // Nothing of this db is running on the server any more, and its sessions are gone.
      expect(await runningOn(kind, testDb.name)).toBe(0)
      expect(await eventually(() => sessionsOn(kind, testDb.url), 0)).toBe(0)
      const errors = await Promise.all(scopes)
      for (const err of errors) {
        expect(err).toBeInstanceOf(EngineDisposedError)
        expect(err).not.toBeInstanceOf(ConnectionLostError)
        expect((err as EngineDisposedError).code).toBe('ENGINE_DISPOSED')
        expect((err as EngineDisposedError).retryable).toBe(false)
        expect((err as Error).message).toMatch(/disposed while this work ran/)
        expect((err as Error).message).not.toMatch(/retry the unit of work/)
      }
      expect(db.stats().total).toBe(0)
    }, 30_000)

    it('work that finishes within the grace is not cut: it commits', async () => {
      const table = `kept_${kind}`
      const db = defineDb({ url: testDb.url })
      await sql.raw(`CREATE TABLE ${table} (id int PRIMARY KEY)`).execute(db.kysely)
      const scope = db.scope(async (tx) => {
        await sql.raw(sleepSql(kind, 0.3)).execute(tx)
        await sql.raw(`INSERT INTO ${table} VALUES (1)`).execute(tx)
      })
      await eventually(async () => (await runningOn(kind, testDb.name)) > 0, true, 10_000)
      await db.dispose(5_000)
      await expect(scope).resolves.toBeUndefined()
      const again = defineDb({ url: testDb.url })
      try {
        const rows = await sql<{ id: number }>`SELECT id FROM ${sql.table(table)}`.execute(again.kysely)
        expect(rows.rows).toEqual([{ id: 1 }])
      } finally {
        await again.dispose()
      }
    }, 30_000)
  })
}
