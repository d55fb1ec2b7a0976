/**
 * MariaDB's json column holding a JSON string, a number, or text that is not JSON at all. mysql2 3.24 parses
 * MariaDB JSON itself; the runtime used to parse the result again, so a stored `"hello"` threw a SyntaxError inside
 * mysql2's callback (an uncaught exception: the process died) and `"123"` came back as 123. Now each value is parsed
 * once, and a value that does not parse rejects its query with ValueParseError, through db.kysely, db.scope and
 * .stream(), and leaves the connection usable.
 */
import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { defineDb, disposeAll, ValueParseError } from '../src/index.js'
import { createTestDatabase, withMysql, type TestDatabase } from './support/test-db.js'

describe('MariaDB json values [mysql]', () => {
  let testDb: TestDatabase
  beforeAll(async () => {
    testDb = await createTestDatabase('mysql', 'json-text')
    await withMysql((c) => c.query('CREATE TABLE j (id int PRIMARY KEY, doc json)'), testDb.url)
  })
  afterEach(() => disposeAll())
  afterAll(() => testDb.drop())

  /** Replaces the table's rows with these JSON texts (ids 1…n), as another client would store them. */
  async function store(texts: readonly string[], options: { skipJsonCheck?: boolean } = {}) {
    await withMysql(async (c) => {
      await c.query('DELETE FROM j')
      // MariaDB's JSON is longtext + CHECK (json_valid(…)): with the check off, text that is not JSON gets in.
      if (options.skipJsonCheck) await c.query('SET SESSION check_constraint_checks = OFF')
      for (const [i, text] of texts.entries()) await c.query('INSERT INTO j VALUES (?, ?)', [i + 1, text])
    }, testDb.url)
  }

  const TEXTS = ['"hello"', '"123"', '123', '[1,"two",null]', '{"a":{"b":"c"}}', 'true', 'null', '""']
  const VALUES = ['hello', '123', 123, [1, 'two', null], { a: { b: 'c' } }, true, null, '']

  it('a stored JSON string is a string, a stored number a number: through db.kysely, db.scope and .stream()', async () => {
    await store(TEXTS)
    const db = defineDb<any>({ url: testDb.url })
    const query = () => db.kysely.selectFrom('j').select('doc').orderBy('id')
    expect((await query().execute()).map((r) => r.doc)).toEqual(VALUES)
    expect((await db.scope((tx) => tx.selectFrom('j').select('doc').orderBy('id').execute())).map((r) => r.doc)).toEqual(VALUES)
    const streamed: unknown[] = []
    for await (const row of query().stream(3)) streamed.push(row.doc)
    expect(streamed).toEqual(VALUES)
  })

  it('text that is not JSON rejects the query with ValueParseError; the process and the connection live on', async () => {
    await store(['{"ok":1}', 'not json'], { skipJsonCheck: true })
    const db = defineDb<any>({ url: testDb.url, pool: { max: 1 } })
    const query = () => db.kysely.selectFrom('j').select(['id', 'doc']).orderBy('id')

    const viaKysely = await query().execute().catch((e: unknown) => e)
    expect(viaKysely).toBeInstanceOf(ValueParseError)
    expect(viaKysely).toMatchObject({ code: 'VALUE_PARSE', column: 'doc' })
    expect((viaKysely as Error).message).toMatch(/column "doc"/)

    const viaScope = await db.scope((tx) => tx.selectFrom('j').selectAll().execute()).catch((e: unknown) => e)
    expect(viaScope).toBeInstanceOf(ValueParseError)

    const viaStream = await (async () => {
      for await (const _ of query().stream(1)) {
        /* the first row parses; the second does not */
      }
    })().catch((e: unknown) => e)
    expect(viaStream).toBeInstanceOf(ValueParseError)

    // The one connection is back in the pool and answers the next statement.
    const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db.kysely)
    expect(rows).toEqual([{ one: 1 }])
    expect(db.stats()).toMatchObject({ busy: 0, total: 1 })
  })
})
