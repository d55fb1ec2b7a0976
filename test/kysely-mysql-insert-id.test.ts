/**
 * MySQL `insertId` is what Kysely's own MysqlDriver reports: the generated AUTO_INCREMENT value, or undefined when
 * none was generated (found by Kysely's test suite run through db.kysely; issue 18, item 3).
 */
import { expect, it } from 'vitest'
import type { Generated } from 'kysely'
import { describeTargets } from './support/targets.js'

interface DB {
  counted: { id: Generated<number>; label: string }
  keyed: { code: string; label: string }
}

describeTargets(
  'insertId through db.kysely and db.scope',
  (t) => {
    const setUp = async () => {
      await t.exec('CREATE TABLE IF NOT EXISTS counted (id int AUTO_INCREMENT PRIMARY KEY, label varchar(20) NOT NULL)')
      await t.exec('CREATE TABLE IF NOT EXISTS keyed (code varchar(20) PRIMARY KEY, label varchar(20) NOT NULL)')
      return t.db<DB>()
    }

    it('an AUTO_INCREMENT insert gives the generated id, outside and inside a scope', async () => {
      const db = await setUp()
      const r = await db.kysely.insertInto('counted').values({ label: 'a' }).executeTakeFirstOrThrow()
      expect(typeof r.insertId).toBe('bigint')
      const row = await db.kysely.selectFrom('counted').select('id').where('label', '=', 'a').executeTakeFirstOrThrow()
      expect(r.insertId).toBe(BigInt(row.id))
      const inScope = await db.scope((tx) => tx.insertInto('counted').values({ label: 'b' }).executeTakeFirstOrThrow())
      expect(inScope.insertId).toBe(r.insertId! + 1n)
    })

    it('a table without AUTO_INCREMENT gives undefined, not 0n', async () => {
      const db = await setUp()
      const code = `k${Math.random().toString(36).slice(2, 10)}`
      const r = await db.kysely.insertInto('keyed').values({ code, label: 'x' }).executeTakeFirstOrThrow()
      expect(r.numInsertedOrUpdatedRows).toBe(1n)
      expect(r.insertId).toBeUndefined()
      const inScope = await db.scope((tx) => tx.insertInto('keyed').values({ code: `${code}s`, label: 'x' }).executeTakeFirstOrThrow())
      expect(inScope.insertId).toBeUndefined()
    })

    it('INSERT IGNORE of a duplicate gives undefined, not 0n', async () => {
      const db = await setUp()
      const first = await db.kysely.insertInto('counted').values({ label: 'dup' }).executeTakeFirstOrThrow()
      const id = Number(first.insertId)
      const r = await db.kysely.insertInto('counted').ignore().values({ id, label: 'dup again' }).executeTakeFirstOrThrow()
      expect(r.numInsertedOrUpdatedRows).toBe(0n)
      expect(r.insertId).toBeUndefined()
    })
  },
  // insertId is MySQL's: PostgreSQL reports generated keys through RETURNING.
  ['mysql'],
)
