/**
 * No session state survives a scope on PostgreSQL and PGlite: with one connection (`pool: { max: 1 }`), a scope that
 * changes its session — a role, a setting, set_config(…, false), a temporary table, a session advisory lock, LISTEN —
 * commits, and the next scope (or db.kysely statement) sees the session as it was opened, on the same backend (it
 * was reset, not replaced). The same through db.kysely's autocommit statements, and after a rollback. Each test
 * compares with the session as the file's first scope saw it, so that a leak from any test shows wherever it lands.
 *
 * PgBouncer is covered by reset-on-return-pgbouncer.test.ts (there these statements are refused up front).
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import { describeTargets } from './support/targets.js'

const one = async <T>(k: Kysely<any>, q: ReturnType<typeof sql<T>>): Promise<T> => (await q.execute(k)).rows[0]!

/** What a fresh session of this db shows: the parts of it a scope could change. */
interface Session {
  pid: number
  role: string
  app: string
  path: string
  custom: string | null
  temps: number
  locks: number
  channels: number
}

const look = (k: Kysely<any>): Promise<Session> =>
  one<Session>(
    k,
    sql`SELECT pg_backend_pid() AS pid, current_user AS role, current_setting('application_name') AS app,
               current_setting('search_path') AS path, nullif(current_setting('app.t', true), '') AS custom,
               (SELECT count(*)::int FROM pg_class WHERE relpersistence = 't' AND pg_table_is_visible(oid)) AS temps,
               (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks,
               (SELECT count(*)::int FROM pg_listening_channels()) AS channels`,
  )

const role = `dbscope_ror_${process.pid}_${Math.floor(Math.random() * 1e6)}`
const roles: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const drop of roles) await drop()
})

describeTargets(
  'reset on return',
  (t) => {
    /** Each statement that changes the session, as a scope would run it. */
    const CHANGES: readonly [string, string][] = [
      ['SET ROLE', `SET ROLE ${role}`],
      ['SET application_name', "SET application_name = 'leaked'"],
      ['SET search_path', 'SET search_path = leaked, public'],
      ["set_config(…, false)", "select set_config('app.t', 't1', false)"],
      ['CREATE TEMP TABLE', 'CREATE TEMP TABLE leaked_tmp (x int)'],
      ['session advisory lock', 'SELECT pg_advisory_lock(4242)'],
      ['LISTEN', 'LISTEN leaked_channel'],
    ]

    const setUp = async () => {
      await t.exec(`DO $$ BEGIN CREATE ROLE ${role}; EXCEPTION WHEN duplicate_object THEN NULL; END $$; GRANT ${role} TO CURRENT_USER`)
      if (roles.length === 0) roles.push(() => t.exec(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined))
      await t.exec('CREATE TABLE IF NOT EXISTS ror_items (id int PRIMARY KEY, name text)')
      await t.exec("INSERT INTO ror_items VALUES (1, 'one') ON CONFLICT DO NOTHING")
    }

    /** The session as a fresh connection shows it (pid aside), read before any test ran. */
    let fresh: Omit<Session, 'pid'>
    beforeAll(async () => {
      await setUp()
      const { pid: _pid, ...rest } = await t.db({ pool: { max: 1 } }).scope((tx) => look(tx))
      fresh = rest
    })
    /** The session as a fresh one, on the same backend as `before`: it was reset, not replaced. */
    const asFresh = (before: Session) => ({ ...fresh, pid: before.pid })

    for (const [what, statement] of CHANGES) {
      it(`${what} in a committed scope does not reach the next scope`, async () => {
        await setUp()
        const db = t.db({ pool: { max: 1 } })
        const before = await db.scope((tx) => look(tx))
        await db.scope(async (tx) => {
          await sql.raw(statement).execute(tx)
        })
        expect(await db.scope((tx) => look(tx))).toEqual(asFresh(before))
      })

      it(`${what} through db.kysely (autocommit) does not reach the next statement`, async () => {
        await setUp()
        const db = t.db({ pool: { max: 1 } })
        const before = await look(db.kysely)
        await sql.raw(statement).execute(db.kysely)
        expect(await look(db.kysely)).toEqual(asFresh(before))
      })
    }

    it('a session advisory lock taken in a scope that rolled back is released too', async () => {
      await setUp()
      const db = t.db({ pool: { max: 1 } })
      const before = await db.scope((tx) => look(tx))
      const failed = await db
        .scope(async (tx) => {
          await sql`SELECT pg_advisory_lock(77)`.execute(tx)
          throw new Error('roll back')
        })
        .catch((e: Error) => e.message)
      expect(failed).toBe('roll back')
      expect(await db.scope((tx) => look(tx))).toEqual(asFresh(before))
    })

    it('prepared statements dropped by the reset are parsed afresh: a cached query still runs after it', async () => {
      await setUp()
      const db = t.db({ pool: { max: 1 } })
      const byId = (k: Kysely<any>) => k.selectFrom('ror_items').select('name').where('id', '=', 1).executeTakeFirstOrThrow()
      expect(await db.scope((tx) => byId(tx))).toEqual({ name: 'one' })
      const path = await db.scope((tx) => look(tx).then((s) => s.path))
      await db.scope((tx) => sql`SET search_path = nowhere`.execute(tx))
      // On main the search_path leaked, and the unqualified table was not found.
      expect(await db.scope(async (tx) => ({ row: await byId(tx), path: (await look(tx)).path }))).toEqual({ row: { name: 'one' }, path })
      expect(await byId(db.kysely)).toEqual({ name: 'one' })
    })

    it('a scope that changed nothing leaves the session as it was, and SET LOCAL ends with its transaction', async () => {
      await setUp()
      const db = t.db({ pool: { max: 1 } })
      const before = await db.scope((tx) => look(tx))
      const inside = await db.scope(async (tx) => {
        await sql`SET LOCAL application_name = 'local'`.execute(tx)
        await sql`SELECT set_config('app.t', 'local', true)`.execute(tx)
        return look(tx)
      })
      expect(inside).toMatchObject({ app: 'local', custom: 'local' })
      expect(await db.scope((tx) => look(tx))).toEqual(asFresh(before))
      await db.scope(async (tx) => {
        await sql`SET ROLE ${sql.raw(role)}`.execute(tx)
      })
      expect(await db.scope((tx) => look(tx))).toEqual(asFresh(before))
    })
  },
  ['postgres', 'pglite'],
)
