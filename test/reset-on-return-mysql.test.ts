/**
 * No session state survives a scope on MariaDB: with one connection (`pool: { max: 1 }`), a scope that sets a user
 * variable, a session variable (sql_mode), takes a GET_LOCK, creates a temporary table or switches database commits,
 * and the next scope (or db.kysely statement) sees the session as it was opened. The reset (COM_RESET_CONNECTION)
 * keeps the connection, and the session settings given at connect (a statement timeout) are set again after it.
 * Each test compares with the session as the file's first scope saw it, so that a leak shows wherever it lands.
 */
import { beforeAll, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import { describeTargets } from './support/targets.js'

interface Session {
  id: number
  v: string | null
  mode: string
  lock: number | null
  db: string
  charset: string
  collation: string
  timeout: string
}

const look = async (k: Kysely<any>): Promise<Session> =>
  (
    await sql<Session>`SELECT CONNECTION_ID() AS id, CAST(@v AS CHAR) AS v, @@SESSION.sql_mode AS mode,
                              IS_USED_LOCK('dbscope_ror') AS \`lock\`, DATABASE() AS db,
                              @@character_set_client AS charset, @@collation_connection AS collation, CAST(@@max_statement_time AS CHAR) AS timeout`.execute(k)
  ).rows[0]!

/** Whether the temporary table `ror_tmp` exists in this session: creating it again fails if it does. */
const tempTableFree = (k: Kysely<any>) =>
  sql`CREATE TEMPORARY TABLE ror_tmp (x int)`.execute(k).then(
    () => sql`DROP TEMPORARY TABLE ror_tmp`.execute(k).then(() => true),
    () => false,
  )

describeTargets(
  'reset on return',
  (t) => {
    const CHANGES: readonly [string, string][] = [
      ['SET @v', 'SET @v = 42'],
      ['SELECT @v := …', 'SELECT @v := 42'],
      ['SET SESSION sql_mode', "SET SESSION sql_mode = 'ANSI_QUOTES'"],
      ['GET_LOCK', "SELECT GET_LOCK('dbscope_ror', 0)"],
      ['USE', 'USE mysql'],
    ]

    /** The session as a fresh connection shows it (id aside), read before any test ran. */
    let fresh: Omit<Session, 'id'>
    beforeAll(async () => {
      const { id: _id, ...rest } = await t.db({ pool: { max: 1 } }).scope((tx) => look(tx))
      fresh = rest
    })
    // USE cannot be reset (COM_RESET_CONNECTION keeps the database): that connection is closed instead, so the
    // next one is another session.
    const asFresh = (what: string, before: Session, after: Session) => ({ ...fresh, id: what === 'USE' ? after.id : before.id })

    for (const [what, statement] of CHANGES) {
      it(`${what} in a committed scope does not reach the next scope`, async () => {
        const db = t.db({ pool: { max: 1 } })
        const before = await db.scope((tx) => look(tx))
        await db.scope((tx) => sql.raw(statement).execute(tx))
        const after = await db.scope((tx) => look(tx))
        expect(after).toEqual(asFresh(what, before, after))
      })

      it(`${what} through db.kysely (autocommit) does not reach the next statement`, async () => {
        const db = t.db({ pool: { max: 1 } })
        const before = await look(db.kysely)
        await sql.raw(statement).execute(db.kysely)
        const after = await look(db.kysely)
        expect(after).toEqual(asFresh(what, before, after))
      })
    }

    it('a temporary table created in a scope is gone in the next one', async () => {
      const db = t.db({ pool: { max: 1 } })
      await db.scope((tx) => sql`CREATE TEMPORARY TABLE ror_tmp (x int)`.execute(tx))
      expect(await db.scope((tx) => tempTableFree(tx))).toBe(true)
      await sql`CREATE TEMPORARY TABLE ror_tmp (x int)`.execute(db.kysely)
      expect(await db.scope((tx) => tempTableFree(tx))).toBe(true)
    })

    it('the session settings given at connect hold after a reset (statementTimeoutMs)', async () => {
      const db = t.db({ pool: { max: 1, statementTimeoutMs: 4_000 } })
      const before = await db.scope((tx) => look(tx))
      expect(Number(before.timeout)).toBe(4)
      await db.scope((tx) => sql`SET @v = 1`.execute(tx))
      expect(await db.scope((tx) => look(tx))).toEqual(before)
    })
  },
  ['mysql'],
)
