import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConfigError, PoolerUnsupportedError, defineDb } from '../src/index.js'
import { describeTargets } from './support/targets.js'

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e)

// What a session needs and a transaction pooler cannot keep: each fails before it is sent, with a next step.
const UNSUPPORTED: readonly [string, string, RegExp][] = [
  ['SELECT pg_advisory_lock(42)', 'session advisory lock', /pg_advisory_xact_lock/],
  ['SELECT pg_try_advisory_lock(42)', 'session advisory lock', /pg_advisory_xact_lock/],
  ['SELECT pg_advisory_unlock_all()', 'session advisory lock', /pg_advisory_xact_lock/],
  ['LISTEN jobs', 'LISTEN/UNLISTEN', /direct connection/],
  ['  /* hi */ UNLISTEN *', 'LISTEN/UNLISTEN', /direct connection/],
  ["SET search_path = public", 'session SET/RESET', /SET LOCAL/],
  ["set session timezone = 'UTC'", 'session SET/RESET', /SET LOCAL/],
  ['RESET ALL', 'session SET/RESET', /SET LOCAL/],
  ['SELECT 1; SET work_mem = 1024', 'session SET/RESET', /SET LOCAL/],
  ['PREPARE q(int) AS SELECT $1', 'PREPARE', /unnamed/],
  ['DEALLOCATE q', 'PREPARE', /unnamed/],
  ['DECLARE c CURSOR WITH HOLD FOR SELECT 1', 'DECLARE … WITH HOLD', /WITHOUT HOLD/],
]

describeTargets(
  "pooler: 'pgbouncer' rejects session-only statements",
  (t) => {
    for (const [text, what, next] of UNSUPPORTED) {
      it(`${text.trim()} → POOLER_UNSUPPORTED (${what})`, async () => {
        const db = t.db()
        for (const attempt of [() => sql.raw(text).execute(db.kysely), () => db.scope((tx) => sql.raw(text).execute(tx))]) {
          const err = await failure(attempt())
          expect(err).toBeInstanceOf(PoolerUnsupportedError)
          expect((err as PoolerUnsupportedError).code).toBe('POOLER_UNSUPPORTED')
          expect((err as Error).message).toContain(what)
          expect((err as Error).message).toMatch(next)
        }
        expect(db.stats().busy).toBe(0)
      })
    }

    it('what is transaction-scoped still works: SET LOCAL, xact advisory locks, a cursor without HOLD, an UPDATE … SET', async () => {
      await t.exec('CREATE TABLE kv (k int PRIMARY KEY, v text)')
      const db = t.db()
      const seen = await db.scope(async (tx) => {
        await sql`SET LOCAL work_mem = '8MB'`.execute(tx)
        await sql`SELECT pg_advisory_xact_lock(7)`.execute(tx)
        await sql`INSERT INTO kv VALUES (1, 'a')`.execute(tx)
        await sql`UPDATE kv SET v = 'b' WHERE k = 1`.execute(tx)
        await sql`DECLARE c CURSOR FOR SELECT v FROM kv`.execute(tx)
        const fetched = await sql<{ v: string }>`FETCH 1 FROM c`.execute(tx)
        const wm = await sql<{ w: string }>`SELECT current_setting('work_mem') AS w`.execute(tx)
        return { v: fetched.rows[0]!.v, workMem: wm.rows[0]!.w }
      })
      expect(seen).toEqual({ v: 'b', workMem: '8MB' })
    })

    it('the target really goes through PgBouncer: the db connects to 6432, the server answers on 5432', async () => {
      const db = t.db()
      const port = await db.scope(async (tx) => (await sql<{ p: number }>`SELECT inet_server_port() AS p`.execute(tx)).rows[0]!.p)
      expect(Number(port)).toBe(5432)
      expect(new URL(t.url).port).toBe('6432')
    })
  },
  ['pgbouncer'],
)

it("pooler: 'pgbouncer' on a MySQL URL is a ConfigError, not a silent no-op", () => {
  expect(() => defineDb({ url: 'mysql://root@127.0.0.1:3306/test', pooler: 'pgbouncer' })).toThrow(ConfigError)
})

it("pooler: 'pgbouncer' with a session statement timeout is a ConfigError that says to set it on the role", () => {
  expect(() => defineDb({ url: 'postgres://postgres@127.0.0.1:6432/x', pooler: 'pgbouncer', pool: { statementTimeoutMs: 100 } })).toThrow(
    /ALTER ROLE/,
  )
})
