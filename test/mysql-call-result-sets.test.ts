/**
 * A MySQL/MariaDB statement with several results — a CALL of a procedure that selects, a compound BEGIN NOT ATOMIC …
 * END — answers with the result sets and the OK header in one array, as Kysely's MysqlDriver returns them, each result
 * set with its columns converted by its own fields (tinyint(1) → boolean, JSON → parsed), through db.kysely and in a
 * scope. It crashed with a TypeError while the single-result conversion read the nested fields.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { sql } from 'kysely'
import { defineDb, type Db } from '../src/index.js'
import { useTestDatabase, withMysql } from './support/test-db.js'

const database = useTestDatabase('mysql', 'call_results')
let db: Db<any>

beforeAll(async () => {
  db = defineDb({ url: database.url, pool: { max: 2 } })
})
afterAll(async () => {
  await db?.dispose()
})

/** A procedure of this test's own that selects `body` (two result sets when it selects twice). */
async function procedure(body: string): Promise<string> {
  const name = `p_${Math.floor(Math.random() * 1e9)}`
  await withMysql((c) => c.query(`CREATE PROCEDURE ${name}() BEGIN ${body} END`), database.url)
  return name
}

it('CALL of a procedure that selects gives its rows, converted, then the OK header', async () => {
  const name = await procedure(`SELECT 1 AS one, JSON_OBJECT('k', 1) AS doc, CAST(1 AS CHAR) AS s;`)
  const r = await sql`CALL ${sql.raw(name)}()`.execute(db.kysely)
  const rows = r.rows as unknown[]
  expect(rows).toHaveLength(2)
  expect(rows[0]).toEqual([{ one: 1, doc: { k: 1 }, s: '1' }])
  expect(rows[1]).toMatchObject({ affectedRows: 0 })
})

it('two result sets, each converted with its own columns, inside a scope', async () => {
  await withMysql((c) => c.query('CREATE TABLE IF NOT EXISTS flags (id int PRIMARY KEY, on_ tinyint(1), doc JSON)'), database.url)
  await withMysql((c) => c.query("REPLACE INTO flags VALUES (1, 1, '{\"a\": [1]}')"), database.url)
  const name = await procedure(`SELECT on_ FROM flags WHERE id = 1; SELECT doc, on_ AS again FROM flags WHERE id = 1;`)
  const rows = await db.scope(async (tx) => (await sql`CALL ${sql.raw(name)}()`.execute(tx)).rows as unknown[])
  expect(rows).toHaveLength(3)
  expect(rows[0]).toEqual([{ on_: true }])
  expect(rows[1]).toEqual([{ doc: { a: [1] }, again: true }])
})

it("MariaDB's compound statement that selects runs through db.kysely", async () => {
  const r = await sql`BEGIN NOT ATOMIC SELECT JSON_ARRAY(1, 2) AS j; END`.execute(db.kysely)
  expect((r.rows as unknown[])[0]).toEqual([{ j: [1, 2] }])
})
