/**
 * Driver errors become typed errors with stable codes and the driver's error as `cause`. Serialization failures and
 * deadlocks are caused for real in scope-retry.test.ts, lost connections in scope-broken-connection.test.ts.
 */
import { beforeEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import {
  DbscopeError,
  ForeignKeyViolationError,
  NotNullViolationError,
  QueryError,
  StatementTimeoutError,
  TransactionAbortedError,
  UniqueViolationError,
} from '../src/index.js'
import { describeTargets } from './support/targets.js'

interface DB {
  parents: { id: number }
  children: { id: number; parent_id: number; label: string | null }
}

describeTargets('driver errors are classified', (t) => {
  const caught = async (work: Promise<unknown>) => work.then(() => undefined, (e: unknown) => e as DbscopeError)

  beforeEach(async () => {
    await t.exec('DROP TABLE IF EXISTS children; DROP TABLE IF EXISTS parents')
    await t.exec('CREATE TABLE parents (id int PRIMARY KEY)')
    await t.exec('CREATE TABLE children (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parents (id), label varchar(20) NOT NULL)')
    await t.exec('INSERT INTO parents (id) VALUES (1)')
  })

  it('unique, foreign-key and not-null violations', async () => {
    const db = t.db<DB>()
    const unique = await caught(db.scope((tx) => tx.insertInto('parents').values({ id: 1 }).execute()))
    expect(unique).toBeInstanceOf(UniqueViolationError)
    expect(unique!.code).toBe('UNIQUE_VIOLATION')
    expect(unique!.message).toMatch(/already exists: update it/)
    expect((unique as QueryError).sqlState).toBe(t.kind === 'mysql' ? '1062' : '23505')
    if (t.kind !== 'mysql') expect((unique as QueryError).constraint).toBe('parents_pkey')

    const fk = await caught(db.scope((tx) => tx.insertInto('children').values({ id: 1, parent_id: 99, label: 'orphan' }).execute()))
    expect(fk).toBeInstanceOf(ForeignKeyViolationError)
    expect(fk!.code).toBe('FOREIGN_KEY_VIOLATION')
    expect(fk!.message).toMatch(/write the parent first/)

    const notNull = await caught(db.scope((tx) => tx.insertInto('children').values({ id: 2, parent_id: 1, label: null }).execute()))
    expect(notNull).toBeInstanceOf(NotNullViolationError)
    expect(notNull!.code).toBe('NOT_NULL_VIOLATION')
    expect(notNull!.message).toMatch(/Give the column a value/)

    for (const e of [unique, fk, notNull]) {
      expect(e).toBeInstanceOf(QueryError)
      expect(e!.retryable).toBe(false)
      expect(e!.cause).toBeInstanceOf(Error)
      expect(e!.cause).not.toBeInstanceOf(DbscopeError)
    }
    expect(db.stats().busy).toBe(0)
  })

  // PGlite has no timer interrupt inside its single-threaded WASM backend, so statement_timeout cannot fire there.
  it.skipIf(t.name === 'pglite')('a statement timeout', async () => {
    const db = t.db<DB>()
    const err = await caught(
      db.scope(async (tx) => {
        if (t.kind === 'postgres') {
          await sql`SET LOCAL statement_timeout = 50`.execute(tx)
          await sql`SELECT pg_sleep(2)`.execute(tx)
        } else {
          await sql`SET STATEMENT max_statement_time = 0.05 FOR SELECT SLEEP(2)`.execute(tx)
        }
      }),
    )
    expect(err).toBeInstanceOf(StatementTimeoutError)
    expect(err!.code).toBe('STATEMENT_TIMEOUT')
    expect(err!.message).toMatch(/raise the limit/)
    expect((err as QueryError).sqlState).toBe(t.kind === 'mysql' ? '1969' : '57014')
  })

  it('a caught statement error: PostgreSQL aborts the transaction and the scope reports it; MySQL goes on', async () => {
    const db = t.db<DB>()
    const outcome = await caught(
      db.scope(async (tx) => {
        await tx.insertInto('parents').values({ id: 2 }).execute()
        await tx.insertInto('parents').values({ id: 1 }).execute().catch(() => 'ignored on purpose')
      }),
    )
    const ids = (await db.kysely.selectFrom('parents').select('id').orderBy('id').execute()).map((r) => r.id)
    if (t.kind === 'mysql') {
      // InnoDB rolls back only the failed statement; the transaction commits the rest.
      expect(outcome).toBeUndefined()
      expect(ids).toEqual([1, 2])
    } else {
      expect(outcome).toBeInstanceOf(TransactionAbortedError)
      expect(outcome!.code).toBe('TRANSACTION_ABORTED')
      expect(outcome!.cause).toBeInstanceOf(UniqueViolationError)
      expect(outcome!.message).toMatch(/nested db\.scope\(\)/)
      expect(ids).toEqual([1])
    }
    expect(db.stats().busy).toBe(0)
  })
})
