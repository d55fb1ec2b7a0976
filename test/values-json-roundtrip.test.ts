/**
 * A JSON value goes in and comes back as itself. With the generated metadata, every JsonValue (object, array,
 * string, number, boolean, nested nulls) written by insert, update and upsert is stored as exactly that JSON (the
 * server's own text of the stored value parses to it) and is selected deep-equal. A string is a JSON string, as in
 * Prisma and Drizzle; pre-serialized JSON text goes in through `sql`. PostgreSQL, MariaDB and PGlite (PgBouncer is
 * left out: it passes parameters through unchanged, so the postgres target covers it).
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Db } from '../src/index.js'
import type { DbgenMetadata } from '../src/types/metadata.js'
import { generated, reflectTarget } from './support/generated.js'
import { describeTargets, pgliteInstance } from './support/targets.js'

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

const VALUES: [string, JsonValue][] = [
  ['an object', { a: 1, b: [1, 'x', null], c: { d: null, e: true } }],
  ['an array', [1, 'two', null, { x: [] }, [false]]],
  ['a string', 'hello'],
  ['a string holding JSON text', '{"looks":"like json"}'],
  ['a string of digits', '123'],
  ['an empty string', ''],
  ['an integer', 42],
  ['a fraction', -1.5],
  ['true', true],
  ['false', false],
  ['an empty array', []],
  ['an empty object', {}],
  ['nested nulls', { a: null, b: [null, { c: null }] }],
  ['unicode', { 'ключ': 'é 😀 "quoted" \\ back' }],
]

// PGlite takes from seconds to a minute to start on a loaded machine: start it here, with room, before the targets' hooks.
beforeAll(() => pgliteInstance().then(() => undefined), 300_000)

const dir = join(process.cwd(), '.tmp', `json-roundtrip-${process.pid}`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let nextId = 0
const id = () => ++nextId

describeTargets(
  'JSON values round-trip with metadata',
  (t) => {
    let metadata: DbgenMetadata
    const db = (): Db<any> => t.db({ metadata })

    beforeAll(async () => {
      await t.exec(
        t.kind === 'mysql'
          ? `CREATE TABLE docs (id int PRIMARY KEY, j json, jb json NOT NULL DEFAULT '{}')`
          : `CREATE TABLE docs (id int PRIMARY KEY, j json, jb jsonb NOT NULL DEFAULT '{}', arr jsonb[])`,
      )
      metadata = (await generated(await reflectTarget(t), {}, join(dir, t.name))).metadata
    })

    /** The row as selected, and the server's own text of each stored JSON value, parsed. */
    async function read(rowId: number): Promise<{ j: unknown; jb: unknown; jText: unknown; jbText: unknown }> {
      const row = await db().kysely.selectFrom('docs').select(['j', 'jb']).where('id', '=', rowId).executeTakeFirstOrThrow()
      const text =
        t.kind === 'mysql'
          ? sql<{ jt: string | null; jbt: string }>`SELECT CAST(j AS CHAR) AS jt, CAST(jb AS CHAR) AS jbt FROM docs WHERE id = ${rowId}`
          : sql<{ jt: string | null; jbt: string }>`SELECT j::text AS jt, jb::text AS jbt FROM docs WHERE id = ${rowId}`
      const { rows } = await text.execute(db().kysely)
      const parse = (s: string | null | undefined) => (s === null || s === undefined ? null : JSON.parse(s))
      return { j: row.j, jb: row.jb, jText: parse(rows[0]?.jt), jbText: parse(rows[0]?.jbt) }
    }

    it.each(VALUES)('insert stores %s as itself', async (_label, value) => {
      const rowId = id()
      await db().kysely.insertInto('docs').values({ id: rowId, j: value, jb: value }).execute()
      expect(await read(rowId)).toEqual({ j: value, jb: value, jText: value, jbText: value })
    })

    it.each(VALUES)('update (in a scope) stores %s as itself', async (_label, value) => {
      const rowId = id()
      await db().kysely.insertInto('docs').values({ id: rowId, j: { before: 1 }, jb: { before: 1 } }).execute()
      await db().scope((tx) => tx.updateTable('docs').set({ j: value, jb: value }).where('id', '=', rowId).execute())
      expect(await read(rowId)).toEqual({ j: value, jb: value, jText: value, jbText: value })
    })

    it.each(VALUES)('upsert stores %s as itself', async (_label, value) => {
      const rowId = id()
      await db().kysely.insertInto('docs').values({ id: rowId, j: 'before', jb: ['before'] }).execute()
      const insert = db().kysely.insertInto('docs').values({ id: rowId, j: 'lost', jb: 'lost' })
      await (t.kind === 'mysql'
        ? insert.onDuplicateKeyUpdate({ j: value, jb: value })
        : insert.onConflict((oc) => oc.column('id').doUpdateSet({ j: value, jb: value }))
      ).execute()
      expect(await read(rowId)).toEqual({ j: value, jb: value, jText: value, jbText: value })
    })

    it('a multi-row insert converts each row; null is SQL NULL in a nullable column', async () => {
      const [a, b, c] = [id(), id(), id()]
      await db()
        .kysely.insertInto('docs')
        .values([
          { id: a, j: 'first', jb: [1] },
          { id: b, j: null, jb: 'second' },
          { id: c, jb: { third: true } },
        ])
        .execute()
      expect(await read(a)).toMatchObject({ j: 'first', jb: [1] })
      expect(await read(b)).toMatchObject({ j: null, jb: 'second', jText: null })
      expect(await read(c)).toMatchObject({ j: null, jb: { third: true } })
      const nulls = await db().kysely.selectFrom('docs').select('id').where('j', 'is', null).where('id', 'in', [a, b, c]).orderBy('id').execute()
      expect(nulls.map((r) => r.id)).toEqual([b, c])
    })

    it('pre-serialized JSON text goes in through sql, as written', async () => {
      const rowId = id()
      const text = '{"pre":["serialized",1]}'
      const json = t.kind === 'mysql' ? sql`${text}` : sql`${text}::jsonb`
      await db().kysely.insertInto('docs').values({ id: rowId, j: sql`${text}`, jb: json }).execute()
      expect(await read(rowId)).toMatchObject({ j: { pre: ['serialized', 1] }, jb: { pre: ['serialized', 1] } })
    })

    if (t.kind !== 'mysql') {
      it('merge stores the value as itself in both branches (update when matched, insert when not)', async () => {
        const [matched, inserted] = [id(), id()]
        await db().kysely.insertInto('docs').values({ id: matched, j: 'before', jb: 'before' }).execute()
        for (const rowId of [matched, inserted]) {
          await db()
            .kysely.mergeInto('docs')
            .using(sql<{ id: number }>`(SELECT ${rowId}::int AS id)`.as('s'), 'docs.id', 's.id')
            .whenMatched()
            .thenUpdateSet({ j: 'updated', jb: ['updated'] })
            .whenNotMatched()
            .thenInsertValues({ id: rowId, j: 'inserted', jb: { inserted: [true] } })
            .execute()
        }
        expect(await read(matched)).toMatchObject({ j: 'updated', jb: ['updated'], jText: 'updated' })
        expect(await read(inserted)).toMatchObject({ j: 'inserted', jb: { inserted: [true] }, jText: 'inserted' })
      })

      it('jsonb[]: string, object, nested array and null elements are each one JSON value', async () => {
        const rowId = id()
        const arr = ['a', { b: [1, null] }, [1, [2]], null, 3, true]
        await db().kysely.insertInto('docs').values({ id: rowId, arr }).execute()
        const row = await db().kysely.selectFrom('docs').select('arr').where('id', '=', rowId).executeTakeFirstOrThrow()
        expect(row.arr).toEqual(arr)
        const { rows } = await sql<{ n: number }>`SELECT array_length(arr, 1) AS n FROM docs WHERE id = ${rowId}`.execute(db().kysely)
        expect(rows[0]?.n).toBe(6)
      })
    }
  },
  ['postgres', 'mysql', 'pglite'],
)
