import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { defineDb, disposeAll, type TypeOptions } from '../src/index.js'
import { createTestDatabase, withMysql, type TestDatabase } from './support/test-db.js'

// The mysql dialect converts tinyint(1), BIGINT and MariaDB json after parsing (not through mysql2's per-field
// typeCast, which costs a wrapper object per column per row): the values must still follow TypeOptions.
describe('MySQL/MariaDB values follow TypeOptions [mysql]', () => {
  let testDb: TestDatabase
  beforeAll(async () => {
    testDb = await createTestDatabase('mysql', 'values')
    await withMysql(
      (c) =>
        c.query(`CREATE TABLE v (id int PRIMARY KEY, flag tinyint(1), small tinyint, big bigint, price decimal(10,2), doc json, other_flag tinyint(1));
                 INSERT INTO v VALUES (1, 1, 7, 9007199254740993, 12.50, '{"a":[1,2]}', 0), (2, NULL, NULL, NULL, NULL, NULL, NULL);
                 CREATE TABLE w (id int PRIMARY KEY, flag int);
                 INSERT INTO w VALUES (1, 5)`),
      testDb.url,
    )
  })
  afterEach(() => disposeAll())
  afterAll(() => testDb.drop())

  const rows = async (types?: TypeOptions) => {
    const db = defineDb<any>({ url: testDb.url, ...(types ? { types } : {}) })
    const r = await db.kysely.selectFrom('v').selectAll().orderBy('id').execute()
    // The scope path (BEGIN sent with the statement) converts the same way.
    const inScope = await db.scope((tx) => tx.selectFrom('v').selectAll().orderBy('id').execute())
    expect(inScope).toEqual(r)
    await db.dispose()
    return r as Record<string, unknown>[]
  }

  it('defaults: tinyint(1) → boolean, BIGINT and DECIMAL → string, json → parsed, NULL stays null', async () => {
    const [a, b] = await rows()
    expect(a).toEqual({ id: 1, flag: true, small: 7, big: '9007199254740993', price: '12.50', doc: { a: [1, 2] }, other_flag: false })
    expect(b).toEqual({ id: 2, flag: null, small: null, big: null, price: null, doc: null, other_flag: null })
  })

  it("bigint: 'bigint' and 'number', decimal: 'number', tinyintAsBoolean: false", async () => {
    expect((await rows({ bigint: 'bigint' }))[0]!.big).toBe(9007199254740993n)
    const [n] = await rows({ bigint: 'number', decimal: 'number', tinyintAsBoolean: false })
    expect(n).toMatchObject({ big: 9007199254740992, price: 12.5, flag: 1, other_flag: 0 })
  })

  it('when two columns share a name, the one that lands in the row decides the conversion', async () => {
    const db = defineDb({ url: testDb.url })
    const r = await sql<{ flag: unknown }>`SELECT v.flag, w.flag FROM v JOIN w ON w.id = v.id`.execute(db.kysely)
    expect(r.rows[0]!.flag).toBe(5) // w.flag is an int: not turned into a boolean
  })
})
