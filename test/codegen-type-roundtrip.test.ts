/**
 * Types match what the driver returns: a row holding every supported type (and arrays of each) is read back with
 * the runtime (`defineDb({ url, metadata })`, whose parsers come from `pgParserPlan` + `pgArrayLookups`), and each
 * value's runtime type is checked against the TS type dbgen emits for that column — for the default type options
 * and for the alternatives.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import { defineDb } from '../src/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveTypeOptions, type TypeOptions } from '../src/types/type-options.js'
import { emitMetadata } from '../codegen/emit/metadata.js'
import { columnTsType, planFor } from '../codegen/emit/types.js'
import type { DbgenMetadata } from '../src/types/metadata.js'
import type { SchemaModel } from '../codegen/model.js'
import { PG_TYPES } from '../src/types/pg-types.js'
import { reflectUrl } from './support/reflect.js'
import { useTestDatabase, withPg } from './support/test-db.js'

/** A literal for each type key, as SQL text. */
const SAMPLES: Record<string, string> = {
  bool: 'true',
  int2: '1',
  int4: '2',
  oid: '3',
  float4: '1.5',
  float8: '2.5',
  int8: '9007199254740993',
  numeric: '12.34',
  money: '1.23',
  text: 'a',
  varchar: 'b',
  bpchar: 'c',
  char: 'd',
  name: 'n',
  citext: 'CI',
  uuid: '6f1c2b9e-5d0a-4c1e-9a51-2f7b3c4d5e6f',
  inet: '127.0.0.1',
  cidr: '10.0.0.0/8',
  macaddr: '08:00:2b:01:02:03',
  macaddr8: '08:00:2b:01:02:03:04:05',
  bit: '1',
  varbit: '101',
  tsvector: 'a b',
  tsquery: 'a & b',
  xml: '<a/>',
  date: '2024-01-02',
  timestamp: '2024-01-02 03:04:05',
  timestamptz: '2024-01-02 03:04:05+00',
  time: '12:34:56',
  timetz: '12:34:56+02',
  interval: '1 day 02:00:00',
  json: '{"a":1}',
  jsonb: '[1,"x",null]',
  bytea: '\\x0102',
  point: '(1,2)',
  circle: '<(1,2),3>',
  int4range: '[1,5)',
  int8range: '[1,5)',
  numrange: '[1.5,2.5)',
  tsrange: '[2024-01-01,2024-02-01)',
  tstzrange: '[2024-01-01,2024-02-01)',
  daterange: '[2024-01-01,2024-02-01)',
}

const sqlType = (key: string) => (key === 'char' ? '"char"' : key)
const lit = (key: string) => `'${(SAMPLES[key] as string).replace(/'/g, "''")}'::${sqlType(key)}`

const database = useTestDatabase('postgres', 'roundtrip')
const dir = join(process.cwd(), '.tmp', `roundtrip-${process.pid}-${Date.now().toString(36)}`)
let model: SchemaModel
let keys: string[] = []

beforeAll(async () => {
  keys = Object.keys(PG_TYPES).filter((k) => SAMPLES[k] !== undefined)
  const cols: string[] = []
  const vals: string[] = []
  for (const k of keys) {
    cols.push(`"c_${k}" ${sqlType(k)}`)
    vals.push(lit(k))
    if (PG_TYPES[k]?.arrays !== 'unsupported') {
      cols.push(`"a_${k}" ${sqlType(k)}[]`)
      vals.push(`ARRAY[${lit(k)}, ${lit(k)}]`)
    }
  }
  cols.push('"grid" int4[][]', '"mood" mood', '"moods" mood[]', '"big_dom" big8', '"big_doms" big8[]', '"email" email', '"nothing" text')
  vals.push(`'{{1,2},{3,4}}'`, `'ok'`, `ARRAY['sad', 'ok']::mood[]`, '42', 'ARRAY[1, 2]::big8[]', `'a@b'`, 'NULL')
  await withPg(
    (c) =>
      c.query(`CREATE EXTENSION IF NOT EXISTS citext;
        CREATE TYPE mood AS ENUM ('sad', 'ok');
        CREATE DOMAIN big8 AS int8;
        CREATE DOMAIN email AS text;
        CREATE TABLE everything (${cols.join(', ')});
        INSERT INTO everything VALUES (${vals.join(', ')});`),
    database.url,
  )
  model = await reflectUrl(database.url)
  mkdirSync(dir, { recursive: true })
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** True when `value` is a runtime value of the TS type text dbgen emitted (the subset dbgen emits). */
function conforms(value: unknown, ts: string, enumValues: Map<string, readonly string[]>): boolean {
  const t = ts.trim()
  if (t.endsWith('[]')) {
    const inner = t.slice(0, -2)
    const el = inner.startsWith('(') && inner.endsWith(')') ? inner.slice(1, -1) : inner
    return Array.isArray(value) && value.every((v) => conforms(v, el, enumValues))
  }
  const union = splitUnion(t)
  if (union.length > 1) return union.some((u) => conforms(value, u, enumValues))
  switch (t) {
    case 'null':
      return value === null
    case 'string':
      return typeof value === 'string'
    case 'number':
      return typeof value === 'number'
    case 'bigint':
      return typeof value === 'bigint'
    case 'boolean':
      return typeof value === 'boolean'
    case 'Date':
      return value instanceof Date && !Number.isNaN(value.getTime())
    case 'Buffer':
      return Buffer.isBuffer(value)
    case 'JsonValue':
      return value !== undefined && typeof value !== 'function' && typeof value !== 'bigint' && !(value instanceof Date)
    case '{ x: number; y: number }':
      return typeof value === 'object' && value !== null && Object.keys(value).sort().join() === 'x,y'
    case '{ x: number; y: number; radius: number }':
      return typeof value === 'object' && value !== null && Object.keys(value).sort().join() === 'radius,x,y'
  }
  if (/^"/.test(t)) return value === JSON.parse(t)
  const values = enumValues.get(t)
  if (values) return typeof value === 'string' && values.includes(value)
  throw new Error(`conforms: no rule for TS type ${t}`)
}

function splitUnion(t: string): string[] {
  const parts: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of t) {
    if (ch === '(' || ch === '{') depth++
    if (ch === ')' || ch === '}') depth--
    if (ch === '|' && depth === 0) {
      parts.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  parts.push(cur.trim())
  return parts
}

const VARIANTS: TypeOptions[] = [{}, { bigint: 'bigint', decimal: 'number', dates: 'string' }, { bigint: 'number' }]

describe.each(VARIANTS)('type options %j', (variant) => {
  it('every column value matches its emitted type', async () => {
    const options = resolveTypeOptions(variant)
    const plan = planFor(model, { typeOptions: variant })
    // The runtime reads the emitted metadata; so does this test.
    const file = join(dir, `metadata-${Object.values(variant).join('-') || 'default'}.ts`)
    writeFileSync(file, emitMetadata(model, { typeOptions: variant }, plan).text)
    const { metadata } = (await import(file)) as { metadata: DbgenMetadata }
    expect(metadata.typeOptions).toEqual(options)

    // The runtime, configured only by the emitted metadata, reads the row back.
    const db = defineDb<any>({ url: database.url, metadata, applicationName: `roundtrip-${Object.values(variant).join('-')}` })
    try {
      const { rows } = await sql`SELECT * FROM everything`.execute(db.kysely)
      const row = rows[0] as Record<string, unknown>
      const rel = model.relations.find((r) => r.name === 'everything')
      if (!rel) throw new Error('no relation')
      const enumValues = new Map(model.enums.map((e) => [plan.enumOf(e)?.type ?? '', e.values]))
      const mismatches: string[] = []
      for (const c of rel.columns) {
        const t = columnTsType(model, rel, c, { typeOptions: variant }, options, plan).select + (c.nullable ? ' | null' : '')
        if (t.includes('unknown')) mismatches.push(`${c.name}: emitted unknown`)
        else if (!conforms(row[c.name], t, enumValues)) mismatches.push(`${c.name}: ${t} but got ${typeof row[c.name]} ${JSON.stringify(row[c.name], (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`)
      }
      expect(mismatches).toEqual([])
      expect(rel.columns.length).toBeGreaterThan(70)
    } finally {
      await db.dispose()
    }
  })
})
