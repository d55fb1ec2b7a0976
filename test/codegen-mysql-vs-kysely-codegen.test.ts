/**
 * On MariaDB, kysely-codegen 0.20.0 types `json` as `string`, `set` as `unknown`, `tinyint(1)` as `number`, and
 * wraps every nullable column in `Generated` (MariaDB reports 'NULL' as their default). dbgen gets each right:
 * both tools run on the same schema and both outputs are checked as text (dbgen's shared column types with them).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate } from '../codegen/generate.js'
import { member, spelledMember } from './support/emitted-text.js'
import { useTestDatabase, withMysql } from './support/test-db.js'

const database = useTestDatabase('mysql', 'vs_kysely')
const out = mkdtempSync(join(tmpdir(), 'dbgen-vs-kysely-'))
let theirs: string
let ours: string

/** The right-hand side of `export type name = …` (dbgen declares each shared column type once). */
function declared(text: string, name: string): string {
  return new RegExp(`^export type ${name}(<C>)? = (.*)$`, 'm').exec(text)?.[2] ?? `<no type ${name}>`
}

beforeAll(async () => {
  await withMysql(
    (c) =>
      c.query(`CREATE TABLE profiles (
        id int AUTO_INCREMENT PRIMARY KEY,
        prefs json,
        tags set('a', 'b', 'c') NOT NULL DEFAULT '',
        active tinyint(1) NOT NULL,
        note varchar(200),
        visits int NOT NULL DEFAULT 0
      )`),
    database.url,
  )
  const r = spawnSync('node_modules/.bin/kysely-codegen', ['--dialect', 'mysql', '--url', database.url, '--out-file', join(out, 'kysely.ts')], {
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`kysely-codegen failed: ${r.stderr}`)
  theirs = readFileSync(join(out, 'kysely.ts'), 'utf8')
  ours = (await generate({ url: database.url })).files['db.ts']
}, 60_000)

afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('dbgen vs kysely-codegen 0.20.0 on MariaDB', () => {
  it('json: kysely-codegen says string, dbgen says JsonValue (the runtime parses it, and writes any JSON value)', () => {
    expect(member(theirs, 'Profiles', 'prefs')).toBe('Generated<string | null>')
    const write = 'JsonArray | JsonObject | boolean | number | string'
    expect(spelledMember(ours, 'ProfilesTable', 'prefs')).toBe('JsonColumn | null')
    expect(declared(ours, 'JsonColumn')).toBe(`ColumnType<JsonValue, ${write}, ${write}>`)
  })

  it('set: kysely-codegen says unknown, dbgen says an array of the members', () => {
    expect(member(theirs, 'Profiles', 'tags')).toBe('Generated<unknown>')
    expect(spelledMember(ours, 'ProfilesTable', 'tags')).toBe('WithDefault<ProfilesTagsColumn>')
    expect(declared(ours, 'ProfilesTagsColumn')).toBe('ColumnType<ProfilesTags[], readonly ProfilesTags[] | string, readonly ProfilesTags[] | string>')
    expect(declared(ours, 'WithDefault')).toBe('C extends ColumnType<infer S, infer I, infer U> ? ColumnType<S, I | undefined, U> : never')
    expect(ours).toContain('export type ProfilesTags = "a" | "b" | "c"')
  })

  it('tinyint(1): kysely-codegen says number, dbgen says boolean', () => {
    expect(member(theirs, 'Profiles', 'active')).toBe('number')
    expect(member(ours, 'ProfilesTable', 'active')).toBe('Tinyint1Column')
    expect(declared(ours, 'Tinyint1Column')).toBe('ColumnType<boolean, boolean | number, boolean | number>')
  })

  it('nullable columns: kysely-codegen wraps them in Generated, dbgen does not (they are optional on insert anyway)', () => {
    expect(member(theirs, 'Profiles', 'note')).toBe('Generated<string | null>')
    expect(spelledMember(ours, 'ProfilesTable', 'note')).toBe('string | null')
    // A real default is still Generated in both.
    expect(member(theirs, 'Profiles', 'visits')).toBe('Generated<number>')
    expect(spelledMember(ours, 'ProfilesTable', 'visits')).toBe('WithDefault<IntColumn>')
    expect(declared(ours, 'IntColumn')).toBe('ColumnType<number, bigint | number, bigint | number>')
  })
})
