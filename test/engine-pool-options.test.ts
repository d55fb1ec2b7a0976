import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import { ConfigError, defineDb, disposeAll, PoolTimeoutError, StatementTimeoutError, type Db, type PoolConfig } from '../src/index.js'
import { createTestDatabase, type TestDatabase } from './support/test-db.js'
import { backendIdSql, eventually, sessionsOn, sleepSql } from './support/server-sessions.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function backendId(k: Kysely<any>, kind: 'postgres' | 'mysql'): Promise<number> {
  const r = await sql.raw<{ id: number | string }>(backendIdSql(kind)).execute(k)
  return Number(r.rows[0]!.id)
}

for (const kind of ['postgres', 'mysql'] as const) {
  describe(`pool options [${kind}]`, () => {
    let testDb: TestDatabase
    const make = (pool: PoolConfig | false): Db<any> => defineDb({ url: testDb.url, pool })
    const sessions = () => sessionsOn(kind, testDb.url)
    const hold = (db: Db<any>, seconds: number) => db.scope((tx) => sql.raw(sleepSql(kind, seconds)).execute(tx))
    /**
     * Starts `n` scopes that each run a statement and then hold their connection until `release()`: the pool's
     * full load is then seen however slowly connections open on a loaded machine.
     */
    const holdAll = (db: Db<any>, n: number) => {
      let release!: () => void
      const held = new Promise<void>((r) => (release = r))
      const done = Promise.all(
        Array.from({ length: n }, () =>
          db.scope(async (tx) => {
            await sql`SELECT 1`.execute(tx)
            await held
          }),
        ),
      )
      return { release, done }
    }

    beforeAll(async () => {
      testDb = await createTestDatabase(kind, 'pool options')
    })
    afterEach(() => disposeAll())
    afterAll(() => testDb.drop())

    it('max caps the connections, and stats() reports total/idle/busy/waiting/oldestCheckoutMs under load', async () => {
      const db = make({ max: 3 })
      expect(db.stats()).toEqual({ total: 0, idle: 0, busy: 0, waiting: 0, oldestCheckoutMs: 0 })
      const started = Date.now()
      const work = holdAll(db, 5)
      expect(await eventually(() => db.stats().busy, 3)).toBe(3)
      await sleep(200)
      const during = db.stats()
      expect(during).toMatchObject({ total: 3, idle: 0, busy: 3, waiting: 2 })
      expect(during.oldestCheckoutMs).toBeGreaterThanOrEqual(190)
      expect(during.oldestCheckoutMs).toBeLessThanOrEqual(Date.now() - started)
      expect(await eventually(sessions, 3)).toBe(3)
      work.release()
      await work.done
      expect(db.stats()).toEqual({ total: 3, idle: 3, busy: 0, waiting: 0, oldestCheckoutMs: 0 })
    })

    it('acquireTimeoutMs: a PoolTimeoutError whose message shows the pool state', async () => {
      const db = make({ max: 1, acquireTimeoutMs: 250 })
      const holding = hold(db, 1.2)
      await sleep(100)
      const started = Date.now()
      const err = await sql`SELECT 1`.execute(db.kysely).then(
        () => undefined,
        (e: unknown) => e,
      )
      const waited = Date.now() - started
      expect(err).toBeInstanceOf(PoolTimeoutError)
      expect((err as PoolTimeoutError).code).toBe('POOL_TIMEOUT')
      expect((err as PoolTimeoutError).retryable).toBe(true)
      const msg = (err as Error).message
      expect(msg).toContain('acquireTimeoutMs (250 ms)')
      expect(msg).toMatch(/max 1, busy 1, idle 0, waiting 1, oldest checkout \d+ ms/)
      expect(msg).toMatch(/Raise pool\.max|leakWarnMs/)
      expect(waited).toBeGreaterThanOrEqual(240)
      expect(waited).toBeLessThan(1_000)
      await holding
      expect(db.stats().waiting).toBe(0)
    })

    it('min keeps connections open while idle, idleTimeoutMs closes the ones above it', async () => {
      const db = make({ max: 4, min: 2, idleTimeoutMs: 200 })
      const work = holdAll(db, 4)
      expect(await eventually(() => db.stats().busy, 4)).toBe(4)
      work.release()
      await work.done
      expect(db.stats().total).toBe(4)
      expect(await eventually(() => db.stats().total, 2, 3_000)).toBe(2)
      await sleep(600) // several idle timeouts later: min still holds
      expect(db.stats()).toMatchObject({ total: 2, idle: 2 })
      expect(await sessions()).toBe(2)
    })

    it('idleTimeoutMs with min 0 closes every idle connection on the server too', async () => {
      const db = make({ max: 3, idleTimeoutMs: 500 })
      const work = holdAll(db, 3)
      expect(await eventually(() => db.stats().busy, 3)).toBe(3)
      expect(await eventually(sessions, 3)).toBe(3)
      work.release()
      await work.done
      expect(await eventually(() => db.stats().total, 0, 3_000)).toBe(0)
      expect(await eventually(sessions, 0, 3_000)).toBe(0)
    })

    it('maxLifetimeMs recycles a connection once it is older than that', async () => {
      const db = make({ max: 1, maxLifetimeMs: 300 })
      const first = await backendId(db.kysely, kind)
      expect(await backendId(db.kysely, kind)).toBe(first) // young: reused
      await sleep(450)
      const second = await backendId(db.kysely, kind)
      expect(second).not.toBe(first)
      expect(await eventually(sessions, 1)).toBe(1) // the old one was closed, not leaked
    })

    it('pool: false opens a connection per checkout and closes it after', async () => {
      const db = make(false)
      const a = await backendId(db.kysely, kind)
      const b = await db.scope((tx) => backendId(tx, kind))
      expect(b).not.toBe(a)
      expect(db.stats().total).toBe(0)
      expect(await eventually(sessions, 0)).toBe(0)
    })

    it('statementTimeoutMs and idleInTransactionTimeoutMs are set on the server session at connect', async () => {
      const db = make({ statementTimeoutMs: 1_500, idleInTransactionTimeoutMs: 2_000 })
      if (kind === 'postgres') {
        const st = await sql<{ statement_timeout: string }>`SHOW statement_timeout`.execute(db.kysely)
        const it = await sql<{ idle_in_transaction_session_timeout: string }>`SHOW idle_in_transaction_session_timeout`.execute(db.kysely)
        expect(st.rows[0]!.statement_timeout).toBe('1500ms')
        expect(it.rows[0]!.idle_in_transaction_session_timeout).toBe('2s')
      } else {
        const r = await sql<{ st: string | number; it: string | number }>`SELECT @@max_statement_time AS st, @@idle_transaction_timeout AS it`.execute(db.kysely)
        expect(Number(r.rows[0]!.st)).toBe(1.5)
        expect(Number(r.rows[0]!.it)).toBe(2)
      }
    })

    // pooler: 'pgbouncer' is PostgreSQL-only (on MySQL it is a ConfigError of its own: pgbouncer-unsupported-statements).
    it.runIf(kind === 'postgres')('behind a transaction pooler the session timeouts are a ConfigError, not silently dropped', () => {
      expect(() => defineDb({ url: testDb.url, pooler: 'pgbouncer', pool: { statementTimeoutMs: 1_000 } })).toThrow(ConfigError)
      expect(() => defineDb({ url: testDb.url, pooler: 'pgbouncer', pool: { idleInTransactionTimeoutMs: 1_000 } })).toThrow(/ALTER ROLE/)
    })

    it('statementTimeoutMs stops a slow statement on the server with a StatementTimeoutError', async () => {
      const db = make({ statementTimeoutMs: 300 })
      const started = Date.now()
      // MariaDB's max_statement_time interrupts SLEEP() by returning 1 rather than failing; a slow scan fails.
      const slow = kind === 'postgres' ? 'SELECT pg_sleep(3)' : 'SELECT COUNT(*) FROM information_schema.COLUMNS a, information_schema.COLUMNS b, information_schema.COLUMNS c'
      const err = await sql.raw(slow).execute(db.kysely).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(StatementTimeoutError)
      expect((err as StatementTimeoutError).code).toBe('STATEMENT_TIMEOUT')
      expect(Date.now() - started).toBeLessThan(2_500)
      expect(Number((await sql<{ one: number }>`SELECT 1 AS one`.execute(db.kysely)).rows[0]!.one)).toBe(1) // connection still fine
    })
  })
}
