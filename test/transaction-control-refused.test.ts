/**
 * An application's own BEGIN or COMMIT is refused before it is sent (TransactionControlError), on every target:
 * through db.kysely it would leave the pooled connection inside a transaction that later autocommit statements join
 * and nobody commits (with one connection, their rows vanish at dispose); inside a scope it would commit part of the
 * scope's work before the scope decides. Kysely's transaction(), startTransaction() and savepoints, and a DO block's
 * or MariaDB compound statement's BEGIN … END, still run.
 */
import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { TransactionControlError } from '../src/index.js'
import { describeTargets } from './support/targets.js'

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: unknown) => err,
  )

describeTargets('transaction statements of the application', (t) => {
  let n = 0
  /**
   * A table of this test's own, and its row count from a db of other options (t.db disposes the test's db first, so
   * what that db left uncommitted is rolled back before the count).
   */
  const table = async () => {
    const name = `tc_${++n}_${Math.floor(Math.random() * 1e6)}`
    await t.exec(`CREATE TABLE ${name} (x int)`)
    return name
  }
  const count = async (name: string) => {
    const other = t.db({ pool: { max: 1 }, applicationName: 'tc-counter' })
    const r = await sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.table(name)}`.execute(other.kysely)
    return Number(r.rows[0]!.n)
  }

  it('BEGIN through db.kysely is refused, and the next autocommit statement commits', async () => {
    const name = await table()
    const db = t.db({ pool: { max: 1 } })
    const err = await refusal(sql`BEGIN`.execute(db.kysely))
    expect(err).toBeInstanceOf(TransactionControlError)
    expect((err as TransactionControlError).code).toBe('TRANSACTION_CONTROL')
    expect((err as Error).message).toMatch(/db\.scope/)
    await sql`INSERT INTO ${sql.table(name)} VALUES (1)`.execute(db.kysely)
    expect(await count(name)).toBe(1)
  })

  it('COMMIT inside a scope is refused, and the scope that throws rolls all of its work back', async () => {
    const name = await table()
    const db = t.db({ pool: { max: 1 } })
    const err = await refusal(
      db.scope(async (tx) => {
        await sql`INSERT INTO ${sql.table(name)} VALUES (1)`.execute(tx)
        await sql`COMMIT`.execute(tx)
      }),
    )
    expect(err).toBeInstanceOf(TransactionControlError)
    expect(await count(name)).toBe(0)
  })

  it("Kysely's transaction(), startTransaction() and savepoints still run as dbscope's own", async () => {
    const name = await table()
    const db = t.db({ pool: { max: 1 } })
    await db.kysely.transaction().execute((trx) => sql`INSERT INTO ${sql.table(name)} VALUES (1)`.execute(trx))
    const trx = await db.kysely.startTransaction().execute()
    const sp = await trx.savepoint('sp').execute()
    await sql`INSERT INTO ${sql.table(name)} VALUES (2)`.execute(sp)
    await sp.rollbackToSavepoint('sp').execute()
    await sql`INSERT INTO ${sql.table(name)} VALUES (3)`.execute(sp)
    await trx.commit().execute()
    expect(await count(name)).toBe(2)
  })

  it('a savepoint of its own inside a scope, and a compound BEGIN … END, are not transaction statements', async () => {
    const name = await table()
    const db = t.db({ pool: { max: 1 } })
    await db.scope(async (tx) => {
      await sql`SAVEPOINT mine`.execute(tx)
      await sql`INSERT INTO ${sql.table(name)} VALUES (1)`.execute(tx)
      await sql`ROLLBACK TO SAVEPOINT mine`.execute(tx)
      await sql`INSERT INTO ${sql.table(name)} VALUES (2)`.execute(tx)
    })
    // PgBouncer, PostgreSQL and PGlite: a DO block; MariaDB: a compound statement outside a stored program.
    const compound = t.kind === 'mysql' ? sql`BEGIN NOT ATOMIC DO 1; END` : sql`DO $$ BEGIN PERFORM 1; END $$`
    await expect(compound.execute(db.kysely)).resolves.toBeDefined()
    expect(await count(name)).toBe(1)
  })
})
