/**
 * A hostile MariaDB schema — backticks and quotes in names, reserved words, spaces, unicode, comment terminators,
 * newlines and backticks in comments, enum values with quotes and emoji, names that collide after PascalCase —
 * still emits TypeScript that compiles under `tsc --strict`, and a Kysely query over it type-checks.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { emitTypes } from '../codegen/emit/types.js'
import type { SchemaModel } from '../codegen/model.js'
import { reflectMysqlAt } from './support/mysql-reflect.js'
import { duplicateExports, jsdocLeaks } from './support/emitted-text.js'
import { useTestDatabase, withMysql } from './support/test-db.js'
import { compileEmitted } from './support/tsc.js'

const SCHEMA = `
CREATE TABLE \`select\` (
  \`from\` varchar(20) NOT NULL COMMENT '*/ export const x: number = "oops"; /*',
  \`where\` int,
  \`we\`\`ird col\` text,
  \`dq"col\` text,
  \`spaced name\` text,
  \`ünïcödé\` text,
  \`1starts_digit\` int,
  \`constructor\` text,
  \`__proto__\` text,
  \`kind\` enum('a''b', 'c"d', 'e*/f', '😀', 'back\`tick', 'back\\\\slash', 'x,y') NOT NULL,
  \`order\` set('as''c', 'de"sc') NOT NULL DEFAULT '',
  \`userId\` int,
  \`user_id\` int,
  \`doc\` json
) COMMENT 'ends */ here /* and \`backticks\` and\nnewlines and 😀 emoji\n@deprecated at line start';
CREATE TABLE user_role (id int PRIMARY KEY, \`class\` text, \`function\` int);
CREATE TABLE UserRole (id int PRIMARY KEY);
CREATE TABLE \`user roles\` (id int);
CREATE TABLE select_kind (id int);
CREATE TABLE \`date\` (d date);
CREATE TABLE \`DB\` (x int);
CREATE TABLE \`JsonValue\` (x int);
CREATE TABLE \`123\` (x int);
CREATE TABLE \`ΑΒΓ\` (x int);
CREATE TABLE \`tick\`\`table\` (\`a\`\`b\` int);
CREATE VIEW \`a view\` AS SELECT \`from\`, \`ünïcödé\`, doc FROM \`select\`;
`

const database = useTestDatabase('mysql', 'hostile')
const dir = join(process.cwd(), '.tmp', `mysql-hostile-${process.pid}-${Date.now().toString(36)}`)
let model: SchemaModel

beforeAll(async () => {
  await withMysql((c) => c.query(SCHEMA), database.url)
  model = (await reflectMysqlAt(database.url)).model
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

// MariaDB refuses emoji in identifiers (ER_INVALID_CHARACTER_STRING) and keeps comments in utf8mb3, so an emoji in
// a comment reaches dbgen only as the '?' the server stored: dbgen must emit exactly what the server reports.
it('reflects and emits a table comment with an emoji exactly as MariaDB reports it', async () => {
  const reported = await withMysql(async (c) => {
    const [rows] = await c.query(`SELECT TABLE_COMMENT AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'select'`)
    return (rows as { c: string }[])[0]!.c
  }, database.url)
  expect(reported).toContain('newlines and ? emoji')
  expect(model.relations.find((r) => r.name === 'select')?.comment).toBe(reported)
  expect(emitTypes(model).text).toContain(' * newlines and ? emoji')
})

it('emits code that compiles under tsc --strict, plain and camelCased', () => {
  const { output, status, camelWarnings } = compileEmitted(
    dir,
    model,
    `import type { Kysely } from 'kysely'
import type { DB, Select, NewSelect, SelectKind, SelectKindEnum, UserRole, UserRole2, TickTable } from './db.js'
import { SelectKindEnumValues } from './db.js'
import { metadata } from './metadata.js'
import type { DbgenMetadata } from '../../src/types/metadata.js'
declare const db: Kysely<DB>
export const q = db.selectFrom('select').select(['from', 'we\`ird col', 'dq"col', 'kind', 'order']).where('from', '=', 'x')
export const q2 = db.selectFrom('tick\`table').select(['a\`b'])
export const q3 = db.selectFrom('a view').select(['ünïcödé', 'doc'])
export const row: Select = { from: 'a', where: null, 'we\`ird col': null, 'dq"col': null, 'spaced name': null, 'ünïcödé': null,
  '1starts_digit': null, constructor: null, __proto__: null, kind: 'x,y', order: ["as'c"], userId: null, user_id: null, doc: { a: [1] } }
export const ins: NewSelect = { from: 'a', kind: 'back\\\\slash', order: "as'c,de\\"sc", constructor: null, doc: '{}' }
export const values: readonly SelectKindEnum[] = SelectKindEnumValues
export const w: SelectKind | UserRole | UserRole2 | TickTable | undefined = undefined
export const fromType: 'varchar(20)' = metadata.tables.select.columns.from.dbType
export const protoType: 'text' = metadata.tables.select.columns['__proto__'].dbType
// The emitted object fits the shape the runtime accepts.
export const shaped: DbgenMetadata = metadata
`,
  )
  expect(output).toBe('')
  expect(status).toBe(0)
  expect(camelWarnings.join('\n')).toMatch(/"user_id".*already taken/)
}, 120_000)

it('keeps comments inside their JSDoc blocks', () => {
  const { text } = emitTypes(model)
  expect(text).not.toContain('*/ export const x')
  expect(text).toContain('*\\/ export const x')
  expect(text).toContain(' * \\@deprecated at line start')
  expect(jsdocLeaks(text)).toEqual([])
})

it('keeps hostile enum values exact, except what MariaDB itself stores as "?"', () => {
  const kind = model.enums.find((e) => e.name === 'select_kind')
  // MariaDB keeps column definitions in utf8mb3: the emoji value is stored (and reported) as '?'.
  expect(kind?.values).toEqual(["a'b", 'c"d', 'e*/f', '?', 'back`tick', 'back\\slash', 'x,y'])
  expect(model.enums.find((e) => e.name === 'select_order')?.values).toEqual(["as'c", 'de"sc'])
})

it('gives colliding names distinct, deterministic type names', () => {
  const { text } = emitTypes(model)
  expect(duplicateExports(text)).toEqual([])
  expect(text).toContain('export interface UserRoleTable')
  expect(text).toContain('export interface UserRole3Table')
  // The table select_kind and the enum of select.kind both want "SelectKind": the table's row keeps it.
  expect(text).toContain('export type SelectKindEnum = ')
  expect(text).toContain('export type SelectKind = Selectable<SelectKindTable>')
  expect(text).toContain('export type Date2 = Selectable<Date2Table>')
  expect(text).toContain('export type DB2 = Selectable<DB2Table>')
  expect(text).toContain('export type JsonValue2 = Selectable<JsonValue2Table>')
  expect(text).toContain('export type T123 = Selectable<T123Table>')
  expect(emitTypes(model).text).toBe(text)
})
