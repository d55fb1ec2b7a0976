/**
 * A connection that breaks while COMMIT runs (a server crash, a failover) leaves the outcome unknown: the server may
 * have committed before it went. The scope rejects with a ConnectionLostError that is not retryable, so `retry` with
 * `when: (e) => e.retryable` does not run the work a second time, and neither kind of hook runs.
 *
 * The fault, for real: a deferred constraint trigger makes COMMIT take a while, and another session terminates the
 * scope's backend while COMMIT is running.
 */
import { describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import pg from 'pg'
import { ConnectionLostError, DbscopeError, defineDb } from '../src/index.js'
import { useTestDatabase } from './support/test-db.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('a connection lost while COMMIT runs [postgres]', () => {
  const target = useTestDatabase('postgres', 'commit lost')

  it('rejects with a non-retryable ConnectionLostError, is not retried, and runs no hook', async () => {
    const table = `slow_commit_${Math.random().toString(36).slice(2, 8)}`
    const admin = new pg.Client({ connectionString: target.url })
    await admin.connect()
    const db = defineDb({ url: target.url, pool: { max: 1 }, guard: { budget: 'off' }, logger: { warn: () => undefined } })
    try {
      await admin.query(`CREATE TABLE ${table} (id int)`)
      await admin.query(`CREATE FUNCTION ${table}_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(5); RETURN NULL; END $$`)
      await admin.query(`CREATE CONSTRAINT TRIGGER ${table}_at_commit AFTER INSERT ON ${table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${table}_slow()`)
      let runs = 0
      const hooks: string[] = []
      // The fault: once this scope's backend is inside COMMIT (running the deferred trigger), terminate it.
      let pid: number | undefined
      const killer = (async () => {
        for (let k = 0; k < 200; k++) {
          if (pid !== undefined) {
            const r = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND query = 'COMMIT' AND state = 'active'`, [pid])
            if (r.rowCount === 1) return void (await admin.query('SELECT pg_terminate_backend($1)', [pid]))
          }
          await sleep(25)
        }
      })()
      const err = await db
        .scope(
          async (tx) => {
            runs++
            tx.afterCommit(() => void hooks.push('commit'))
            tx.afterRollback(() => void hooks.push('rollback'))
            pid = Number((await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(tx)).rows[0]!.pid)
            await sql`INSERT INTO ${sql.table(table)} (id) VALUES (1)`.execute(tx)
          },
          { retry: { attempts: 3, when: (e) => e instanceof DbscopeError && e.retryable } },
        )
        .catch((e: unknown) => e)
      await killer
      expect(err).toBeInstanceOf(ConnectionLostError)
      expect((err as ConnectionLostError).code).toBe('CONNECTION_LOST')
      expect((err as ConnectionLostError).retryable, 'whether it committed is unknown').toBe(false)
      expect((err as Error).message).toMatch(/lost while COMMIT ran: whether the transaction committed is unknown/)
      expect(runs, 'the work ran once').toBe(1)
      expect(hooks).toEqual([])
      expect(db.stats()).toMatchObject({ busy: 0 })
    } finally {
      await db.dispose()
      await admin.end()
    }
  })
})
