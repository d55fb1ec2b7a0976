/**
 * Every MySQL/MariaDB type dbgen maps round-trips through the runtime (`defineDb` over mysql2) as the type dbgen
 * emits for it: a row holding every supported type is inserted and read back, and each value's runtime type is
 * checked against the select type in the generated `db.ts` — for the default type options and for each option.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { emitTypes } from '../codegen/emit/types.js'
import type { SchemaModel } from '../codegen/model.js'
import { defineDb, type Db } from '../src/index.js'
import type { TypeOptions } from '../src/types/type-options.js'
import { spelled } from './support/emitted-text.js'
import { reflectMysqlAt } from './support/mysql-reflect.js'
import { useTestDatabase, withMysql } from './support/test-db.js'

const SCHEMA = `
CREATE TABLE every_type (
  id int AUTO_INCREMENT PRIMARY KEY,
  c_bool tinyint(1), c_bool_u tinyint(1) unsigned, c_tinyint tinyint, c_smallint smallint, c_mediumint mediumint,
  c_int int, c_int_u int unsigned, c_bigint bigint, c_bigint_u bigint unsigned, c_decimal decimal(30, 4),
  c_float float, c_double double, c_year year, c_bit bit(8),
  c_char char(3), c_varchar varchar(20), c_tinytext tinytext, c_text text, c_mediumtext mediumtext, c_longtext longtext,
  c_time time, c_date date, c_datetime datetime(3), c_timestamp timestamp(3) NULL DEFAULT NULL,
  c_json json,
  c_json_text text CHECK (json_valid(c_json_text)),
  c_json_table longtext,
  c_binary binary(4), c_varbinary varbinary(8), c_tinyblob tinyblob, c_blob blob, c_mediumblob mediumblob, c_longblob longblob,
  c_enum enum('a,b', 'it''s', 'plain'), c_set set('x', 'y', 'z'),
  c_uuid uuid, c_inet4 inet4, c_inet6 inet6,
  c_gen int AS (c_int * 2) STORED,
  -- A table-level json_valid check does not make MariaDB return the column as JSON: it stays text.
  CONSTRAINT c_json_table_valid CHECK (json_valid(c_json_table))
);
CREATE VIEW every_view AS SELECT t.id, t.c_json, t.c_json_text, t.c_json_table, t.c_set, t.c_bool, t.c_bigint, t.c_datetime FROM every_type t;
`

/** One value per column, in a form each column's insert type accepts. */
const ROW = {
  c_bool: true,
  c_bool_u: false,
  c_tinyint: -5,
  c_smallint: 300,
  c_mediumint: 70000,
  c_int: 21,
  c_int_u: 4000000000,
  c_bigint: '-9223372036854775808',
  c_bigint_u: '18446744073709551615',
  c_decimal: '12345678901234567890.1234',
  c_float: 1.5,
  c_double: 2.25,
  c_year: 2024,
  c_bit: Buffer.from([5]),
  c_char: 'abc',
  c_varchar: 'varchar',
  c_tinytext: 'tiny',
  c_text: 'text',
  c_mediumtext: 'medium',
  c_longtext: 'long',
  c_time: '12:34:56',
  c_date: '2024-02-29',
  c_datetime: new Date('2024-02-29T12:34:56.789'),
  c_timestamp: new Date('2024-02-29T12:34:56.789'),
  c_json: JSON.stringify({ a: [1, 'two', null] }),
  c_json_text: JSON.stringify({ t: true }),
  c_json_table: JSON.stringify({ x: 1 }),
  c_binary: Buffer.from([1, 2, 3, 4]),
  c_varbinary: Buffer.from([9, 8]),
  c_tinyblob: Buffer.from('tb'),
  c_blob: Buffer.from('b'),
  c_mediumblob: Buffer.from('mb'),
  c_longblob: Buffer.from('lb'),
  c_enum: "it's",
  c_set: 'x,z',
  c_uuid: '123e4567-e89b-12d3-a456-426614174000',
  c_inet4: '192.0.2.1',
  c_inet6: '2001:db8::1',
}

const database = useTestDatabase('mysql', 'roundtrip')
let model: SchemaModel
const dbs: Db<any>[] = []

beforeAll(async () => {
  await withMysql((c) => c.query(SCHEMA), database.url)
  model = (await reflectMysqlAt(database.url)).model
  const db = defineDb<any>({ url: database.url })
  try {
    await db.kysely.insertInto('every_type').values(ROW).execute()
    await db.kysely.insertInto('every_type').values({}).execute()
  } finally {
    await db.dispose()
  }
})

// One URL has one pool per process: each block disposes its db before the next defines one with other options.
afterEach(async () => {
  await Promise.all(dbs.splice(0).map((d) => d.dispose()))
})

/** The select type of every column of an interface in emitted db.ts text, without `| null`. */
function selectTypes(text: string, iface: string): Record<string, { type: string; nullable: boolean }> {
  const body = new RegExp(`export interface ${iface} \\{\\n([\\s\\S]*?)\\n\\}`).exec(text)?.[1]
  if (!body) throw new Error(`no interface ${iface} in:\n${text}`)
  // The shared column types (`export type IntColumn = ColumnType<number, …>`) by name → their select type.
  const shared = new Map<string, string>()
  for (const [, name, args] of text.matchAll(/^export type (\w+) = ColumnType<(.*)>$/gm)) shared.set(name as string, splitTop(args as string)[0] as string)
  const out: Record<string, { type: string; nullable: boolean }> = {}
  for (const line of body.split('\n')) {
    const m = /^ {2}(\w+): (.*)$/.exec(line)
    if (!m) continue
    let t = spelled(text, m[2] as string).replace(/^WithDefault\d*<(\w+)>/, '$1')
    const named = /^(\w+)( \| null)?$/.exec(t)
    if (named && shared.has(named[1] as string)) t = `${shared.get(named[1] as string)}${named[2] ?? ''}`
    const wrapped = /^(ColumnType|GeneratedAlways|Generated)<(.*)>$/.exec(t)
    if (wrapped) t = splitTop(wrapped[2] as string)[0] as string
    const nullable = t.endsWith(' | null')
    out[m[1] as string] = { type: nullable ? t.slice(0, -' | null'.length) : t, nullable }
  }
  return out
}

function splitTop(s: string): string[] {
  const parts: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of s) {
    if (ch === '<' || ch === '(' || ch === '[' || ch === '{') depth++
    if (ch === '>' || ch === ')' || ch === ']' || ch === '}') depth--
    if (ch === ',' && depth === 0) {
      parts.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  parts.push(cur.trim())
  return parts
}

/** Enum union names → their values, from the `…Values = [...] as const` lines. */
function enumValues(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>()
  for (const [, name, list] of text.matchAll(/^export const (\w+)Values = (\[.*\]) as const$/gm)) m.set(name as string, JSON.parse(list as string) as string[])
  return m
}

/** Why `value` is not of TS type `type` (without null), or null when it is. */
function mismatch(value: unknown, type: string, enums: Map<string, string[]>): string | null {
  const arr = /^(\w+)\[\]$/.exec(type)
  if (arr) {
    if (!Array.isArray(value)) return `expected an array, got ${typeof value}`
    for (const v of value) {
      const why = mismatch(v, arr[1] as string, enums)
      if (why) return `element: ${why}`
    }
    return null
  }
  const values = enums.get(type)
  if (values) return typeof value === 'string' && values.includes(value) ? null : `expected one of ${JSON.stringify(values)}, got ${JSON.stringify(value)}`
  const ok: Record<string, (v: unknown) => boolean> = {
    number: (v) => typeof v === 'number' && !Number.isNaN(v),
    string: (v) => typeof v === 'string',
    boolean: (v) => typeof v === 'boolean',
    bigint: (v) => typeof v === 'bigint',
    Date: (v) => v instanceof Date && !Number.isNaN(v.getTime()),
    Buffer: (v) => Buffer.isBuffer(v),
    // Inserted as an object: it must come back parsed, not as its text.
    JsonValue: (v) => typeof v === 'object' && v !== null,
  }
  const check = ok[type]
  if (!check) return `type ${type} is not checked by this test (is the column mapped?)`
  return check(value) ? null : `expected ${type}, got ${typeof value} ${String(value)}`
}

const VARIANTS: Array<[string, TypeOptions]> = [
  ['defaults', {}],
  ['bigint: number, decimal: number, dates: string, tinyintAsBoolean: false', { bigint: 'number', decimal: 'number', dates: 'string', tinyintAsBoolean: false }],
  ['bigint: bigint', { bigint: 'bigint' }],
]

describe.each(VARIANTS)('MySQL type round trip with %s', (_label, types) => {
  let text: string
  let rows: Record<string, unknown>[]
  let viewRows: Record<string, unknown>[]

  beforeAll(async () => {
    text = emitTypes(model, { typeOptions: types }).text
    const db = defineDb<any>({ url: database.url, types })
    try {
      rows = await db.kysely.selectFrom('every_type').selectAll().orderBy('id').execute()
      viewRows = await db.kysely.selectFrom('every_view').selectAll().orderBy('id').execute()
    } finally {
      await db.dispose()
    }
  })

  it('maps every column to a checked type (nothing is unknown)', () => {
    const cols = selectTypes(text, 'EveryTypeTable')
    expect(Object.keys(cols)).toHaveLength(Object.keys(ROW).length + 2)
    for (const [name, { type }] of Object.entries(cols)) expect(type, name).not.toBe('unknown')
  })

  it('returns each value as its emitted select type, table and view', () => {
    const enums = enumValues(text)
    const problems: string[] = []
    for (const [iface, row] of [['EveryTypeTable', rows[0]], ['EveryViewTable', viewRows[0]]] as const) {
      for (const [name, { type }] of Object.entries(selectTypes(text, iface))) {
        const why = mismatch(row?.[name], type, enums)
        if (why) problems.push(`${iface}.${name} (${type}): ${why}`)
      }
    }
    expect(problems).toEqual([])
  })

  it('returns null for every nullable column of an empty row, and types those columns nullable', () => {
    const cols = selectTypes(text, 'EveryTypeTable')
    for (const [name, { nullable }] of Object.entries(cols)) {
      if (name === 'id') continue
      expect(nullable, name).toBe(true)
      expect(rows[1]?.[name], name).toBeNull()
    }
  })
})

describe('MySQL round-trip values', () => {
  it('keeps exact values: sets as arrays, unsigned bigint as text, JSON parsed, tinyint(1) as boolean', async () => {
    const db = defineDb<any>({ url: database.url })
    dbs.push(db)
    const row = await db.kysely.selectFrom('every_type').selectAll().where('id', '=', 1).executeTakeFirstOrThrow()
    expect(row).toMatchObject({
      c_bool: true,
      c_bool_u: false,
      c_bigint: '-9223372036854775808',
      c_bigint_u: '18446744073709551615',
      c_decimal: '12345678901234567890.1234',
      c_set: ['x', 'z'],
      c_enum: "it's",
      c_json: { a: [1, 'two', null] },
      c_year: 2024,
      c_time: '12:34:56',
      c_gen: 42,
    })
    expect([...(row.c_bit as Buffer)]).toEqual([5])
    await db.kysely.updateTable('every_type').set({ c_set: '' }).where('id', '=', 1).execute()
    const empty = await db.kysely.selectFrom('every_type').select('c_set').where('id', '=', 1).executeTakeFirstOrThrow()
    expect(empty.c_set).toEqual([])
  })

  it('emits the expected TS types for the MySQL-specific columns', () => {
    const cols = selectTypes(emitTypes(model).text, 'EveryTypeTable')
    expect(cols.c_bool?.type).toBe('boolean')
    expect(cols.c_set?.type).toBe('EveryTypeCSet[]')
    expect(cols.c_enum?.type).toBe('EveryTypeCEnum')
    expect(cols.c_json?.type).toBe('JsonValue')
    expect(cols.c_json_text?.type).toBe('JsonValue')
    expect(cols.c_json_table?.type).toBe('string')
    expect(cols.c_bigint_u?.type).toBe('string')
    expect(cols.c_bit?.type).toBe('Buffer')
    expect(cols.c_year?.type).toBe('number')
    expect(cols.c_time?.type).toBe('string')
    expect(selectTypes(emitTypes(model, { typeOptions: { tinyintAsBoolean: false } }).text, 'EveryTypeTable').c_bool?.type).toBe('number')
  })
})
