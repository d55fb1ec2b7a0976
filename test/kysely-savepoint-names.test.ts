/**
 * Kysely's controlled transactions on db.kysely take any savepoint name, as Kysely's own dialects do: the name is
 * quoted by the dialect (found by Kysely's test suite run through db.kysely; issue 18, item 3).
 */
import { expect, it } from 'vitest'
import { describeTargets } from './support/targets.js'

interface DB {
  sp_rows: { name: string; step: number }
}

/** A reserved word, names with a dash and a space, and quote characters of both dialects. */
const NAMES = ['order', 'my-sp', 'Sp 1', 'a"b', 'c`d'] as const

describeTargets('savepoint names through db.kysely', (t) => {
  for (const name of NAMES) {
    it(`savepoint, rollback to and release ${JSON.stringify(name)}`, async () => {
      await t.exec('CREATE TABLE IF NOT EXISTS sp_rows (name varchar(20) NOT NULL, step int NOT NULL)')
      const db = t.db<DB>()
      await db.kysely.deleteFrom('sp_rows').where('name', '=', name).execute()
      const insert = (trx: typeof db.kysely, step: number) => trx.insertInto('sp_rows').values({ name, step }).execute()

      const trx = await db.kysely.startTransaction().execute()
      await insert(trx, 1)
      const afterFirst = await trx.savepoint(name).execute()
      await insert(afterFirst, 2)
      await afterFirst.rollbackToSavepoint(name).execute()
      await insert(trx, 3)
      const afterSecond = await trx.savepoint(name).execute()
      await insert(afterSecond, 4)
      await afterSecond.releaseSavepoint(name).execute()
      await trx.commit().execute()

      const steps = await db.kysely.selectFrom('sp_rows').select('step').where('name', '=', name).orderBy('step').execute()
      expect(steps.map((r) => r.step)).toEqual([1, 3, 4])
    })
  }
})
