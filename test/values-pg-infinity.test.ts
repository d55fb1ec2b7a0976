/**
 * PostgreSQL's 'infinity' and '-infinity' in date, timestamp and timestamptz (scalars, arrays, a domain and an array
 * of it) come back as a value their emitted type admits: a `Date` column gets the latest / earliest JS Date
 * (`new Date(±8.64e15)`, so comparisons keep their order) instead of the numbers ±Infinity node-postgres makes, a
 * string column the server's text. Writing those two Dates stores ±infinity. PostgreSQL and PGlite.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TypeOptions } from '../src/index.js'
import type { DbgenMetadata } from '../src/types/metadata.js'
import { generated, reflectTarget } from './support/generated.js'
import { describeTargets, pgliteInstance } from './support/targets.js'

const LATEST = new Date(8.64e15)
const EARLIEST = new Date(-8.64e15)

// PGlite takes from seconds to a minute to start on a loaded machine: start it here, with room, before the targets' hooks.
beforeAll(() => pgliteInstance().then(() => undefined), 300_000)

const dir = join(process.cwd(), '.tmp', `pg-infinity-${process.pid}`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describeTargets(
  'PostgreSQL infinity dates',
  (t) => {
    let model: Awaited<ReturnType<typeof reflectTarget>>
    const metadataFor = async (typeOptions: TypeOptions): Promise<DbgenMetadata> =>
      (await generated(model, { typeOptions }, join(dir, t.name))).metadata

    beforeAll(async () => {
      await t.exec(`CREATE DOMAIN stamp AS timestamptz;
        CREATE TABLE inf (id int PRIMARY KEY, d date, ts timestamp, tz timestamptz, ds date[], tzs timestamptz[], dom stamp, doms stamp[])`)
      model = await reflectTarget(t)
    })

    let nextId = 0
    /** Stores ±infinity in every column of a new row (as SQL text, the way another client would) and returns its id. */
    async function infiniteRow(sign: '' | '-'): Promise<number> {
      const id = ++nextId
      const inf = `'${sign}infinity'`
      await t.exec(`INSERT INTO inf VALUES (${id}, ${inf}, ${inf}, ${inf}, ARRAY[${inf}::date, NULL], ARRAY[${inf}::timestamptz, NULL], ${inf}, ARRAY[${inf}::stamp])`)
      return id
    }

    it('Date columns: ±infinity are the latest and earliest Dates; the default DATE is its text', async () => {
      const db = t.db({ metadata: await metadataFor({}) })
      for (const [sign, date] of [['', LATEST], ['-', EARLIEST]] as const) {
        const id = await infiniteRow(sign)
        const row = await db.kysely.selectFrom('inf').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
        expect(row).toEqual({ id, d: `${sign}infinity`, ts: date, tz: date, ds: [`${sign}infinity`, null], tzs: [date, null], dom: date, doms: [date] })
        for (const v of [row.ts, row.tz, row.tzs[0], row.dom, row.doms[0]]) expect(v).toBeInstanceOf(Date)
      }
      expect(LATEST > new Date('9999-12-31') && EARLIEST < new Date('-009999-01-01')).toBe(true)
    })

    it("dateOnly: 'date': a DATE's ±infinity are the same two Dates", async () => {
      const db = t.db({ metadata: await metadataFor({ dateOnly: 'date' }) })
      const id = await infiniteRow('-')
      const row = await db.kysely.selectFrom('inf').select(['d', 'ds']).where('id', '=', id).executeTakeFirstOrThrow()
      expect(row).toEqual({ d: EARLIEST, ds: [EARLIEST, null] })
    })

    it("dates: 'string': ±infinity are the server's text", async () => {
      const db = t.db({ metadata: await metadataFor({ dates: 'string' }) })
      const id = await infiniteRow('')
      const row = await db.kysely.selectFrom('inf').select(['ts', 'tz', 'tzs', 'dom']).where('id', '=', id).executeTakeFirstOrThrow()
      expect(row).toEqual({ ts: 'infinity', tz: 'infinity', tzs: ['infinity', null], dom: 'infinity' })
    })

    it('writing the latest / earliest Date stores infinity / -infinity, and reads back as the same Date', async () => {
      const db = t.db({ metadata: await metadataFor({ dateOnly: 'date' }) })
      const id = ++nextId
      await db.kysely
        .insertInto('inf')
        .values({ id, d: LATEST, ts: EARLIEST, tz: LATEST, ds: [EARLIEST, null], tzs: [LATEST], dom: EARLIEST, doms: [LATEST, null] })
        .execute()
      const { rows } = await sql<Record<string, string>>`SELECT d::text, ts::text, tz::text, ds::text, tzs::text, dom::text, doms::text FROM inf WHERE id = ${id}`.execute(db.kysely)
      expect(rows[0]).toEqual({ d: 'infinity', ts: '-infinity', tz: 'infinity', ds: '{-infinity,NULL}', tzs: '{infinity}', dom: '-infinity', doms: '{infinity,NULL}' })
      await db.kysely.updateTable('inf').set({ tz: EARLIEST }).where('id', '=', id).execute()
      const back = await db.kysely.selectFrom('inf').select(['d', 'tz', 'doms']).where('id', '=', id).executeTakeFirstOrThrow()
      expect(back).toEqual({ d: LATEST, tz: EARLIEST, doms: [LATEST, null] })
    })
  },
  ['postgres', 'pglite'],
)
