/**
 * The every-type audit, MariaDB: a table with a column of every type dbgen maps (ENUM and SET included), a typical
 * row, a NULL row and an edge row (zero dates, a JSON string, the empty SET, extremes). For each set of type options,
 * through the runtime with the emitted metadata:
 * - every selected value is of its emitted select type, at run time and for the type checker (a zero date is the
 *   one exception the type cannot tell: an invalid Date in Date mode, asserted as such);
 * - every shape the emitted insert type admits (each union member) is written by insert and by update, is accepted
 *   by the type checker and the server, and reads back as the select type.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SchemaModel } from '../codegen/model.js'
import { defineDb, type TypeOptions } from '../src/index.js'
import { MYSQL_TYPES } from '../src/types/mysql-types.js'
import { resolveTypeOptions } from '../src/types/type-options.js'
import { generated } from './support/generated.js'
import { reflectMysqlAt } from './support/mysql-reflect.js'
import { useTestDatabase, withMysql } from './support/test-db.js'
import { columnTypes, conforms, selectMismatches, show, typeCheck, uncovered } from './support/type-audit.js'

/** Column → [declaration, typical value, edge value] (SQL). */
const COLUMNS: Record<string, [string, string, string]> = {
  c_bool: ['tinyint(1)', '1', '0'],
  c_tinyint: ['tinyint', '-5', '-128'],
  c_smallint: ['smallint', '300', '-32768'],
  c_mediumint: ['mediumint', '70000', '-8388608'],
  c_int: ['int', '21', '-2147483648'],
  c_int_u: ['int unsigned', '4000000000', '0'],
  c_bigint: ['bigint', '-9223372036854775808', '9223372036854775807'],
  c_bigint_u: ['bigint unsigned', '18446744073709551615', '0'],
  c_decimal: ['decimal(30, 4)', '12345678901234567890.1234', '-0.0001'],
  c_float: ['float', '1.5', '-0'],
  c_double: ['double', '2.25', '1e308'],
  c_year: ['year', '2024', '0'],
  c_bit: ['bit(8)', "b'101'", "b'0'"],
  c_char: ['char(3)', "'abc'", "''"],
  c_varchar: ['varchar(20)', "'varchar'", "''"],
  c_tinytext: ['tinytext', "'tiny'", "''"],
  c_text: ['text', "'text'", "''"],
  c_mediumtext: ['mediumtext', "'medium'", "''"],
  c_longtext: ['longtext', "'long'", "''"],
  c_time: ['time', "'12:34:56'", "'-838:59:59'"],
  c_date: ['date', "'2024-02-29'", "'0000-00-00'"],
  c_datetime: ['datetime(3)', "'2024-02-29 12:34:56.789'", "'0000-00-00 00:00:00'"],
  c_timestamp: ['timestamp(3) NULL DEFAULT NULL', "'2024-02-29 12:34:56.789'", "'0000-00-00 00:00:00'"],
  c_json: ['json', `'{"a":[1,"two",null]}'`, `'"123"'`],
  c_binary: ['binary(4)', "x'01020304'", "x'00000000'"],
  c_varbinary: ['varbinary(8)', "x'0908'", "x''"],
  c_tinyblob: ['tinyblob', "'tb'", "''"],
  c_blob: ['blob', "'b'", "''"],
  c_mediumblob: ['mediumblob', "'mb'", "''"],
  c_longblob: ['longblob', "'lb'", "''"],
  c_enum: ["enum('a,b', 'it''s', 'plain')", "'it''s'", "'a,b'"],
  c_set: ["set('x', 'y', 'z')", "'x,z'", "''"],
  c_uuid: ['uuid', "'123e4567-e89b-12d3-a456-426614174000'", "'00000000-0000-0000-0000-000000000000'"],
  c_inet4: ['inet4', "'192.0.2.1'", "'0.0.0.0'"],
  c_inet6: ['inet6', "'2001:db8::1'", "'::'"],
}

const instant = new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789))
const stamps = [instant, '2024-02-29 12:34:56.789', '2024-02-29T12:34:56.789Z']
/** Values to write per column: together they cover every member of the insert type under every option set. */
const WRITES: Record<string, unknown[]> = {
  c_bool: [true, 0, 1n],
  c_tinyint: [-5, 5n],
  c_smallint: [300, 300n],
  c_mediumint: [70000, 7n],
  c_int: [21, 21n],
  c_int_u: [4000000000, 4000000000n],
  c_bigint: ['-9223372036854775808', 42, 9007199254740993n],
  c_bigint_u: ['18446744073709551615', 1, 18446744073709551615n],
  c_decimal: ['12.5', 1.25, 12n],
  c_year: [2024, 2025n],
  c_bit: [Buffer.from([5]), new Uint8Array([6]), 7n, 8],
  c_date: ['2024-02-29', new Date(Date.UTC(2024, 1, 29)), '2024-02-29T00:00:00.000Z'],
  c_datetime: stamps,
  c_timestamp: stamps,
  c_json: [{ a: [1, null] }, [1, 'x'], 'a string', '123', 1.5, true, false],
  c_binary: [Buffer.from([1, 2, 3, 4]), new Uint8Array([5, 6, 7, 8])],
  c_varbinary: [Buffer.from([9]), new Uint8Array([8, 7])],
  c_tinyblob: [Buffer.from('tb'), new Uint8Array([1])],
  c_blob: [Buffer.from('b'), new Uint8Array([2])],
  c_mediumblob: [Buffer.from('mb'), new Uint8Array([3])],
  c_longblob: [Buffer.from('lb'), new Uint8Array([4])],
  c_set: [['x', 'z'], ['y'], [], 'x,z'],
}
/** The writes of a column: its own list, else its typical SQL value (a quoted string or a number). */
const writesFor = (column: string): unknown[] => {
  const typical = COLUMNS[column]![1]
  return WRITES[column] ?? [typical.startsWith("'") ? typical.slice(1, -1).replace(/''/g, "'") : Number(typical)]
}

const database = useTestDatabase('mysql', 'audit')
const dir = join(process.cwd(), '.tmp', `audit-mysql-${process.pid}`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let model: SchemaModel
const ZERO_DATES = ['c_date', 'c_datetime', 'c_timestamp']

beforeAll(async () => {
  const names = Object.keys(COLUMNS)
  await withMysql(
    (c) =>
      c.query(`CREATE TABLE every_type (id int AUTO_INCREMENT PRIMARY KEY, ${names.map((n) => `${n} ${COLUMNS[n]![0]}`).join(', ')});
        INSERT INTO every_type () VALUES ();
        INSERT INTO every_type (${names.join(', ')}) VALUES (${names.map((n) => COLUMNS[n]![1]).join(', ')}), (${names.map((n) => COLUMNS[n]![2]).join(', ')});`),
    database.url,
  )
  model = (await reflectMysqlAt(database.url)).model
  const typeKeys = new Set(model.relations[0]!.columns.map((c) => c.typeKey))
  expect(Object.keys(MYSQL_TYPES).filter((k) => !typeKeys.has(k))).toEqual([])
}, 120_000)

const VARIANTS: TypeOptions[] = [{}, { bigint: 'number', decimal: 'number', dates: 'string', tinyintAsBoolean: false }, { bigint: 'bigint', dateOnly: 'date' }]

describe.each(VARIANTS)('MariaDB every-type audit, type options %j', (typeOptions) => {
  it('selects every value as its emitted type (run time and type checker); writes every shape its insert type admits', async () => {
    const types = columnTypes(model, 'every_type', typeOptions)
    const o = resolveTypeOptions(typeOptions)
    const { dbTs, metadata } = await generated(model, { typeOptions }, dir)
    const db = defineDb<any>({ url: database.url, metadata })
    try {
      const rows = await db.kysely.selectFrom('every_type').selectAll().where('id', '<=', 3).orderBy('id').execute()
      expect(rows).toHaveLength(3)
      // Zero dates: the server's text in string mode, an invalid Date in Date mode (a Date the type admits).
      const edge = { ...rows[2] }
      for (const column of ZERO_DATES) {
        const asDate = column === 'c_date' ? o.dateOnly === 'date' : o.dates === 'date'
        if (asDate) expect(Number.isNaN((edge[column] as Date).getTime()), column).toBe(true)
        else expect(edge[column], column).toMatch(/^0000-00-00( 00:00:00\.000)?$/)
        if (asDate) edge[column] = null
      }
      expect(selectMismatches([rows[0]!, rows[1]!, edge], types, (i) => ['null row', 'typical row', 'edge row'][i]!)).toEqual([])
      expect(rows[2]).toMatchObject({ c_json: '123', c_set: [], c_year: 0 })

      const writes: Record<string, unknown>[] = []
      const problems: string[] = []
      for (const [column, insertType] of types.insert) {
        if (column === 'id') continue
        const values = writesFor(column).filter((v) => conforms(v, insertType, types.enums))
        const missing = uncovered([...values, null], insertType, types.enums)
        if (missing.length > 0) problems.push(`${column} (${insertType}): no write covers ${missing.join(', ')}`)
        for (const value of values) {
          writes.push({ [column]: value })
          try {
            const r = await db.kysely.insertInto('every_type').values({ [column]: value }).executeTakeFirstOrThrow()
            const id = Number(r.insertId)
            await db.kysely.updateTable('every_type').set({ [column]: value }).where('id', '=', id).execute()
            const back = await db.kysely.selectFrom('every_type').select(column).where('id', '=', id).executeTakeFirstOrThrow()
            if (!conforms(back[column], types.select.get(column)!, types.enums)) problems.push(`${column} = ${show(value)} read back as ${show(back[column])}`)
          } catch (err) {
            problems.push(`${column} = ${show(value)}: ${(err as Error).message}`)
          }
        }
      }
      expect(problems).toEqual([])
      expect(writes.length).toBeGreaterThan(60)
      expect(typeCheck(join(dir, `tsc-${Object.values(typeOptions).join('-') || 'default'}`), dbTs, 'every_type', rows, writes)).toBe('')
    } finally {
      await db.dispose()
    }
  }, 180_000)
})

describe('MariaDB values written as themselves', () => {
  it('a date string with a zone is stored as the day or instant it names; a SET array as its members', async () => {
    const { metadata } = await generated(model, {}, dir)
    const db = defineDb<any>({ url: database.url, metadata })
    try {
      const values = { c_date: '2024-02-29T00:00:00.000Z', c_datetime: '2024-02-29T12:34:56.789Z', c_timestamp: '2024-02-29T14:34:56.789+02:00', c_set: ['z', 'x'] }
      const r = await db.kysely.insertInto('every_type').values(values).executeTakeFirstOrThrow()
      const back = await db.kysely.selectFrom('every_type').select(['c_date', 'c_datetime', 'c_timestamp', 'c_set']).where('id', '=', Number(r.insertId)).executeTakeFirstOrThrow()
      expect(back).toEqual({ c_date: '2024-02-29', c_datetime: instant, c_timestamp: instant, c_set: ['x', 'z'] })
      await db.kysely.updateTable('every_type').set({ c_set: ['y'] }).where('id', '=', Number(r.insertId)).execute()
      expect((await db.kysely.selectFrom('every_type').select('c_set').where('id', '=', Number(r.insertId)).executeTakeFirstOrThrow()).c_set).toEqual(['y'])
    } finally {
      await db.dispose()
    }
  })
})
