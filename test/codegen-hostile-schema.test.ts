/**
 * A hostile schema — reserved words, quotes, spaces, unicode, emoji, comment terminators, backticks, newlines,
 * names that collide after PascalCase, the same table in two schemas — still emits TypeScript that compiles under
 * `tsc --strict`, and a Kysely query over it type-checks.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { emitTypes } from '../codegen/emit/types.js'
import type { SchemaModel } from '../codegen/model.js'
import { reflectUrl } from './support/reflect.js'
import { duplicateExports, jsdocLeaks } from './support/emitted-text.js'
import { useTestDatabase, withPg } from './support/test-db.js'
import { compileEmitted } from './support/tsc.js'

const SCHEMA = `
CREATE SCHEMA "Weird Schema";
CREATE TYPE "select type" AS ENUM ('a''b', 'c"d', 'e*/f', '😀', 'back\`tick', 'new
line');
CREATE TYPE "Weird Schema".user_role AS ENUM ('x');
CREATE TABLE "user_role" (id int PRIMARY KEY, "class" text, "function" int, role "Weird Schema".user_role);
CREATE TABLE "UserRole" (id int PRIMARY KEY);
CREATE TABLE "user roles" (id int);
CREATE TABLE "select" (
  "from" text NOT NULL,
  "where" int,
  "we""ird col" text,
  "spaced name" text,
  "ünïcödé" text,
  "😀" text,
  "1starts_digit" int,
  "constructor" text,
  "__proto__" text,
  "kind" "select type"[],
  "userId" int,
  "user_id" int
);
COMMENT ON TABLE "select" IS 'ends */ here /* and \`backticks\` and
newlines and 😀 unicode ${'\u2028'} line separator
@deprecated at line start';
COMMENT ON COLUMN "select"."from" IS '*/ export const x: number = "oops"; /*';
COMMENT ON TYPE "select type" IS '*/ nope';
CREATE TABLE "Weird Schema"."select" (id int, "Weird Column" text);
CREATE TABLE "date" (d date);
CREATE TABLE "DB" (x int);
CREATE TABLE "JsonValue" (x int);
CREATE TABLE "😀" (x int);
CREATE TABLE "123" (x int);
CREATE TABLE "ΑΒΓ" (x int);
CREATE VIEW "a view" AS SELECT "from", "😀" FROM "select";
`

const database = useTestDatabase('postgres', 'hostile')
const dir = join(process.cwd(), '.tmp', `hostile-${process.pid}-${Date.now().toString(36)}`)
let model: SchemaModel

beforeAll(async () => {
  await withPg((c) => c.query(SCHEMA), database.url)
  model = await reflectUrl(database.url, { schemas: ['public', 'Weird Schema'] })
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('emits code that compiles under tsc --strict, plain and camelCased', () => {
  const { output, status, camelWarnings } = compileEmitted(
    dir,
    model,
    `import type { Kysely } from 'kysely'
import type { DB, Select, NewSelect, SelectType, WeirdSchemaSelect, UserRole, UserRole2 } from './db.js'
import { SelectTypeValues } from './db.js'
import { metadata } from './metadata.js'
import type { DbgenMetadata } from '../../src/types/metadata.js'
declare const db: Kysely<DB>
export const q = db.selectFrom('select').select(['from', 'we"ird col', '😀', 'kind']).where('from', '=', 'x')
export const q2 = db.selectFrom('Weird Schema.select').select(['id', 'Weird Column'])
export const row: Select = { from: 'a', where: null, 'we"ird col': null, 'spaced name': null, 'ünïcödé': null, '😀': null,
  '1starts_digit': null, constructor: null, __proto__: null, kind: ['a\\'b', 'new\\nline'], userId: null, user_id: null }
// A column named "constructor" must be given explicitly in object literals (TypeScript sees Object#constructor).
export const ins: NewSelect = { from: 'a', constructor: null }
export const values: readonly SelectType[] = SelectTypeValues
export const w: WeirdSchemaSelect | UserRole | UserRole2 | undefined = undefined
export const fromType: 'text' = metadata.tables.select.columns.from.dbType
// A column named __proto__ is an own property, not the object's prototype.
export const protoType: 'text' = metadata.tables.select.columns['__proto__'].dbType
// The emitted object fits the shape the runtime accepts.
export const shaped: DbgenMetadata = metadata
`,
  )
  expect(output).toBe('')
  expect(status).toBe(0)
  // The camelCase twin columns collide: one is left out, with a warning.
  expect(camelWarnings.join('\n')).toMatch(/"user_id".*already taken/)
}, 120_000)

it('keeps comments inside their JSDoc blocks', () => {
  const { text } = emitTypes(model)
  expect(text).not.toContain('*/ export const x')
  expect(text).toContain('*\\/ export const x')
  expect(text).toContain(' * \\@deprecated at line start')
  // Every JSDoc opener is closed before any code: no line between /** and */ lacks the leading ' *'.
  expect(jsdocLeaks(text)).toEqual([])
})

it('gives colliding names distinct, deterministic type names', () => {
  const { text } = emitTypes(model)
  expect(duplicateExports(text)).toEqual([])
  expect(text).toContain('export interface UserRoleTable')
  expect(text).toContain('export interface UserRoles2Table')
  expect(text).toContain('export interface UserRole3Table')
  expect(text).toMatch(/export type UserRoleEnum = "x"/)
  // Names that would shadow globals or the file's own helpers get suffixed.
  expect(text).toContain('export type Date2 = Selectable<Date2Table>')
  expect(text).toContain('export type DB2 = Selectable<DB2Table>')
  expect(text).toContain('export type JsonValue2 = Selectable<JsonValue2Table>')
  expect(text).toContain('export type T123 = Selectable<T123Table>')
  expect(emitTypes(model).text).toBe(text)
})
