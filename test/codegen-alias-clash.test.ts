/**
 * Tables named like the column-type aliases db.ts declares (`nullable_int8_column` → row type `NullableInt8Column`,
 * `generated_bool` → `GeneratedBool`, …), before and after the tables whose columns use those aliases: every name is
 * declared once, the row types keep the table's name, the aliases take a number, and the file compiles.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { emitTypes } from '../codegen/emit/types.js'
import type { SchemaModel } from '../codegen/model.js'
import { duplicateExports, member } from './support/emitted-text.js'
import { reflectUrl } from './support/reflect.js'
import { useTestDatabase, withPg } from './support/test-db.js'
import { compileEmitted } from './support/tsc.js'

const SCHEMA = `
CREATE TABLE a_first (x int8, y boolean NOT NULL DEFAULT true, z timestamptz DEFAULT now(), w varchar(10), v int4);
CREATE TABLE nullable_int8_column (id int PRIMARY KEY);
CREATE TABLE generated_bool (id int PRIMARY KEY);
CREATE TABLE nullable_varchar (id int PRIMARY KEY);
CREATE TABLE int8_column (id int PRIMARY KEY);
CREATE TABLE nullable_int4_column (id int PRIMARY KEY);
CREATE TABLE z_last (x int8, y boolean NOT NULL DEFAULT true, v int4);
`

const database = useTestDatabase('postgres', 'alias_clash')
const dir = join(process.cwd(), '.tmp', `alias-clash-${process.pid}-${Date.now().toString(36)}`)
let model: SchemaModel

beforeAll(async () => {
  await withPg((c) => c.query(SCHEMA), database.url)
  model = await reflectUrl(database.url)
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('declares each name once: row types keep the table names, column aliases take a number', () => {
  const { text } = emitTypes(model)
  expect(duplicateExports(text)).toEqual([])
  for (const table of ['NullableInt8Column', 'GeneratedBool', 'NullableVarchar', 'Int8Column', 'NullableInt4Column']) {
    expect(text).toContain(`export type ${table} = Selectable<${table}Table>`)
  }
  // The columns of both tables use the numbered aliases, the same ones.
  for (const iface of ['AFirstTable', 'ZLastTable']) {
    expect(member(text, iface, 'x')).toBe('NullableInt8Column2')
    expect(member(text, iface, 'y')).toBe('GeneratedBool2')
    expect(member(text, iface, 'v')).toBe('NullableInt4Column2')
  }
  expect(member(text, 'AFirstTable', 'w')).toBe('NullableVarchar2')
  expect(text).toMatch(/^export type NullableInt8Column2 = Int8Column2 \| null$/m)
})

it('compiles, and a row of the clashing table and a column of the aliased type are told apart', () => {
  const { output, status } = compileEmitted(
    dir,
    model,
    `import type { AFirst, GeneratedBool, NullableInt8Column } from './db.js'
export const row: NullableInt8Column = { id: 1 }
export const flag: GeneratedBool = { id: 2 }
export const first: Pick<AFirst, 'x' | 'y'> = { x: null, y: true }
// @ts-expect-error: the row type of nullable_int8_column is not the column type
export const wrong: NullableInt8Column = null
`,
  )
  expect(output).toBe('')
  expect(status).toBe(0)
}, 120_000)
