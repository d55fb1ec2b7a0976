/**
 * The every-type audit, PostgreSQL and PGlite: a table with a column of every type dbgen maps (and an array of each, enums,
 * domains, a 2-D array), a typical row, a NULL row and an edge row (±infinity, NaN, NULL elements, JSON scalars,
 * empty values). For each set of type options, through the runtime with the emitted metadata:
 * - every selected value is of its emitted select type, at run time and for the type checker;
 * - every shape the emitted insert type admits (each union member, each array element member) is written by insert
 *   and by update, is accepted by the type checker and the server, and reads back as the select type.
 * A new type mapping that lies fails here.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { citext } from '@electric-sql/pglite/contrib/citext'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SchemaModel } from '../codegen/model.js'
import { reflectPostgres } from '../codegen/reflect/postgres.js'
import { defineDb, type Db, type DbgenMetadata, type TypeOptions } from '../src/index.js'
import { PG_TYPES } from '../src/types/pg-types.js'
import { generated } from './support/generated.js'
import { reflectUrl } from './support/reflect.js'
import { useTestDatabase, withPg } from './support/test-db.js'
import { columnTypes, conforms, elementOf, selectMismatches, show, splitUnion, typeCheck, uncovered } from './support/type-audit.js'

/** A typical and an edge value per type key, as SQL text. */
const SQL: Record<string, [string, string]> = {
  bool: ['true', 'false'],
  int2: ['1', "'-32768'"],
  int4: ['2', '2147483647'],
  oid: ['3', '0'],
  float4: ['1.5', "'NaN'"],
  float8: ['2.5', "'-Infinity'"],
  int8: ['9007199254740993', "'-9223372036854775808'"],
  numeric: ['12.34', "'NaN'"],
  money: ['1.23', "'-1.23'"],
  text: ["'a'", "''"],
  varchar: ["'b'", "''"],
  bpchar: ["'c'", "' '"],
  char: ["'d'", "''"],
  name: ["'n'", "''"],
  citext: ["'CI'", "''"],
  uuid: ["'6f1c2b9e-5d0a-4c1e-9a51-2f7b3c4d5e6f'", "'00000000-0000-0000-0000-000000000000'"],
  inet: ["'127.0.0.1'", "'::1'"],
  cidr: ["'10.0.0.0/8'", "'::/0'"],
  macaddr: ["'08:00:2b:01:02:03'", "'00:00:00:00:00:00'"],
  macaddr8: ["'08:00:2b:01:02:03:04:05'", "'00:00:00:00:00:00:00:00'"],
  bit: ["'1'", "'0'"],
  varbit: ["'101'", "''"],
  tsvector: ["'a b'", "''"],
  tsquery: ["'a & b'", "''"],
  xml: ["'<a/>'", "''"],
  date: ["'2024-01-02'", "'infinity'"],
  timestamp: ["'2024-01-02 03:04:05'", "'-infinity'"],
  timestamptz: ["'2024-01-02 03:04:05+00'", "'infinity'"],
  time: ["'12:34:56'", "'24:00:00'"],
  timetz: ["'12:34:56+02'", "'00:00:00-15:59'"],
  interval: ["'1 day 02:00:00'", "'-1 day'"],
  json: [`'{"a":1}'`, `'"just a string"'`],
  jsonb: [`'[1,"x",null]'`, "'null'"],
  bytea: ["'\\x0102'", "''"],
  point: ["'(1,2)'", "'(-1.5,2e10)'"],
  circle: ["'<(1,2),3>'", "'<(0,0),0>'"],
  int4range: ["'[1,5)'", "'empty'"],
  int8range: ["'[1,5)'", "'(,)'"],
  numrange: ["'[1.5,2.5)'", "'empty'"],
  tsrange: ["'[2024-01-01,2024-02-01)'", "'[-infinity,infinity]'"],
  tstzrange: ["'[2024-01-01,2024-02-01)'", "'empty'"],
  daterange: ["'[2024-01-01,2024-02-01)'", "'empty'"],
}

const day = new Date(Date.UTC(2024, 0, 2))
const instant = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))
/** Values to write per type key: together they cover every member of the insert type under every option set. */
const WRITES: Record<string, unknown[]> = {
  bool: [true, false],
  int2: [7, 7n],
  int4: [8, 8n],
  oid: [9],
  float4: [1.5, Number.NaN],
  float8: [-Infinity, 2.5],
  int8: ['9007199254740993', 42, 9007199254740993n],
  numeric: ['12.34', 12.5, 12n],
  money: ['1.23'],
  json: [{ a: [1, null] }, [1, 'x', null], 'a string', -1.5, true],
  jsonb: [{ a: { b: null } }, [[1], []], '"quoted"', 0, false],
  bytea: [Buffer.from([1, 2]), new Uint8Array([3, 4])],
  point: [{ x: 1, y: -2.5 }],
  circle: [{ x: 1, y: 2, radius: 3 }],
  date: ['2024-01-02', day, new Date(8.64e15)],
  timestamp: ['2024-01-02 03:04:05', instant, new Date(-8.64e15)],
  timestamptz: ['2024-01-02 03:04:05+00', instant, new Date(8.64e15)],
  grid: [[[1, 2n], [3, null]]],
  mood: ['sad'],
}
const sqlType = (key: string) => (key === 'char' ? '"char"' : key)
/** The writes of a type key: its own list, else the text of its typical SQL literal. */
const writesFor = (key: string): unknown[] => WRITES[key] ?? [SQL[key]![0].slice(1, -1).replace(/''/g, "'")]

const database = useTestDatabase('postgres', 'audit')
const dir = join(process.cwd(), '.tmp', `audit-pg-${process.pid}`)
type Kind = 'postgres' | 'pglite'
const models = new Map<Kind, SchemaModel>()
let pglite: PGlite | undefined
/** Database column → the type key its writes come from (arrays: `[]` suffix). */
const writeKeys = new Map<string, string>()

beforeAll(async () => {
  const keys = Object.keys(PG_TYPES).filter((k) => SQL[k] !== undefined)
  expect(keys.length).toBe(Object.keys(PG_TYPES).length)
  const cols: string[] = ['id serial PRIMARY KEY']
  const rows: [string[], string[]] = [[], []]
  for (const k of keys) {
    const lit = (i: 0 | 1) => `${SQL[k]![i]}::${sqlType(k)}`
    cols.push(`"c_${k}" ${sqlType(k)}`)
    writeKeys.set(`c_${k}`, k)
    rows[0].push(lit(0))
    rows[1].push(lit(1))
    if (PG_TYPES[k]?.arrays !== 'unsupported') {
      cols.push(`"a_${k}" ${sqlType(k)}[]`)
      writeKeys.set(`a_${k}`, `${k}[]`)
      rows[0].push(`ARRAY[${lit(0)}, ${lit(1)}]`)
      rows[1].push(`ARRAY[NULL, ${lit(1)}]`)
    }
  }
  cols.push('"grid" int4[][]', '"mood" mood', '"moods" mood[]', '"big_dom" big8', '"big_doms" big8[]', '"stamp" stamp', '"stamps" stamp[]')
  rows[0].push(`'{{1,2},{3,4}}'`, `'ok'`, `ARRAY['sad', 'ok']::mood[]`, '42', 'ARRAY[1, 2]::big8[]', "'2024-01-02 03:04:05+00'", "ARRAY['2024-01-02']::stamp[]")
  rows[1].push(`'{{1,NULL},{NULL,4}}'`, 'NULL', `ARRAY[NULL]::mood[]`, '-1', `'{}'::big8[]`, "'-infinity'", "ARRAY['infinity', NULL]::stamp[]")
  for (const [c, k] of [['grid', 'grid'], ['mood', 'mood'], ['moods', 'mood[]'], ['big_dom', 'int8'], ['big_doms', 'int8[]'], ['stamp', 'timestamptz'], ['stamps', 'timestamptz[]']]) writeKeys.set(c!, k!)
  const schema = `CREATE EXTENSION IF NOT EXISTS citext;
    CREATE TYPE mood AS ENUM ('sad', 'ok');
    CREATE DOMAIN big8 AS int8;
    CREATE DOMAIN stamp AS timestamptz;
    CREATE TABLE every_type (${cols.join(', ')});
    INSERT INTO every_type DEFAULT VALUES;
    INSERT INTO every_type (${[...writeKeys.keys()].map((c) => `"${c}"`).join(', ')}) VALUES (${rows[0].join(', ')}), (${rows[1].join(', ')});`
  await withPg((c) => c.query(schema), database.url)
  models.set('postgres', await reflectUrl(database.url))
  // This file's one PGlite, with the citext extension (started here: it can take a minute on a loaded machine).
  const p = (pglite = new PGlite({ extensions: { citext } }))
  await p.exec(schema)
  models.set('pglite', await reflectPostgres({ query: async <R>(text: string, params: readonly unknown[]) => (await p.query<R>(text, [...params])).rows }))
}, 300_000)

afterAll(async () => {
  await pglite?.close()
  rmSync(dir, { recursive: true, force: true })
})

const dbFor = (kind: Kind, metadata: DbgenMetadata): Db<any> =>
  kind === 'postgres' ? defineDb<any>({ url: database.url, metadata, applicationName: 'audit-pg' }) : defineDb<any>({ pglite: pglite!, metadata })

/** The values to write to a column under its insert type: each admitted sample; an array of the admitted elements. */
function writesForColumn(column: string, insertType: string, enums: ReadonlyMap<string, readonly string[]>): unknown[] {
  const key = writeKeys.get(column)
  if (!key) return []
  if (!key.endsWith('[]')) return writesFor(key).filter((v) => conforms(v, insertType, enums))
  const arrayType = splitUnion(insertType).find((m) => elementOf(m) !== undefined)!
  const elements = writesFor(key.slice(0, -2)).filter((v) => conforms(v, elementOf(arrayType)!, enums))
  return [[...elements, null], []]
}

const VARIANTS: TypeOptions[] = [{}, { bigint: 'bigint', decimal: 'number', dates: 'string' }, { bigint: 'number', dateOnly: 'date' }]

describe.each(['postgres', 'pglite'] as const)('%s', (kind) => {
  describe.each(VARIANTS)('every-type audit, type options %j', (typeOptions) => {
    it('selects every value as its emitted type (run time and type checker); writes every shape its insert type admits', async () => {
      const model = models.get(kind)!
      const types = columnTypes(model, 'every_type', typeOptions)
      const { dbTs, metadata } = await generated(model, { typeOptions }, dir)
      const db = dbFor(kind, metadata)
      try {
        const rows = await db.kysely.selectFrom('every_type').selectAll().where('id', '<=', 3).orderBy('id').execute()
        expect(rows).toHaveLength(3)
        expect(selectMismatches(rows, types, (i) => ['null row', 'typical row', 'edge row'][i]!)).toEqual([])

        const writes: Record<string, unknown>[] = []
        const problems: string[] = []
        for (const [column, insertType] of types.insert) {
          if (column === 'id') continue
          const values = writesForColumn(column, insertType, types.enums)
          const missing = uncovered([...values, null], insertType, types.enums)
          if (missing.length > 0) problems.push(`${column} (${insertType}): no write covers ${missing.join(', ')}`)
          for (const value of values) {
            writes.push({ [column]: value })
            try {
              const { id } = await db.kysely.insertInto('every_type').values({ [column]: value }).returning('id').executeTakeFirstOrThrow()
              await db.kysely.updateTable('every_type').set({ [column]: value }).where('id', '=', id).execute()
              const back = await db.kysely.selectFrom('every_type').select(column).where('id', '=', id).executeTakeFirstOrThrow()
              if (!conforms(back[column], types.select.get(column)!, types.enums)) problems.push(`${column} = ${show(value)} read back as ${show(back[column])}`)
            } catch (err) {
              problems.push(`${column} = ${show(value)}: ${(err as Error).message}`)
            }
          }
        }
        expect(problems).toEqual([])
        expect(writes.length).toBeGreaterThan(120)
        expect(typeCheck(join(dir, `tsc-${kind}-${Object.values(typeOptions).join('-') || 'default'}`), dbTs, 'every_type', rows, writes)).toBe('')
      } finally {
        await db.dispose()
      }
    }, 180_000)
  })

  describe('values written as themselves', () => {
    it('point, circle and point[] objects are stored as the geometry they describe', async () => {
      const { metadata } = await generated(models.get(kind)!, {}, dir)
      const db = dbFor(kind, metadata)
      try {
        const values = { c_point: { x: 1.5, y: -2 }, c_circle: { x: 0, y: 1, radius: 2.5 }, a_point: [{ x: 1, y: 2 }, null] }
        const { id } = await db.kysely.insertInto('every_type').values(values).returning('id').executeTakeFirstOrThrow()
        const { rows } = await sql<Record<string, string>>`SELECT c_point::text, c_circle::text, a_point::text FROM every_type WHERE id = ${id}`.execute(db.kysely)
        expect(rows[0]).toEqual({ c_point: '(1.5,-2)', c_circle: '<(0,1),2.5>', a_point: '{"(1,2)",NULL}' })
        expect(await db.kysely.selectFrom('every_type').select(['c_point', 'c_circle', 'a_point']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual(values)
      } finally {
        await db.dispose()
      }
    })
  })
})
