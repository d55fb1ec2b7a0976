/**
 * MySQL/MariaDB reflection: columns (auto_increment, generated, unsigned, defaults, comments), ENUM and SET values
 * with quotes, commas and backslashes, MariaDB's json (longtext + json_valid), keys, foreign keys with actions,
 * indexes, table comments, view nullability, filters, and a fixed number of queries that read only the current
 * database.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { emitTypes } from '../codegen/emit/types.js'
import { DbgenError } from '../codegen/errors.js'
import type { RelationModel, SchemaModel } from '../codegen/model.js'
import { jsonValidColumn, parseEnumValues } from '../codegen/reflect/mysql.js'
import { spelledMember } from './support/emitted-text.js'
import { reflectMysqlAt } from './support/mysql-reflect.js'
import { useTestDatabase, withMysql } from './support/test-db.js'

// String.raw: the SQL text gets the backslashes as written here.
const SCHEMA = String.raw`
CREATE TABLE accounts (
  id int unsigned AUTO_INCREMENT PRIMARY KEY,
  email varchar(120) NOT NULL COMMENT 'Login.',
  mood enum('a,b', 'it''s', 'back\\slash', 'paren)', 'q"d', '') NOT NULL DEFAULT 'a,b',
  perms set('read', 'wr''ite', 'x\\y') NULL,
  qty int NOT NULL DEFAULT 0,
  doubled int AS (qty * 2) VIRTUAL,
  stored_total int AS (qty + 1) STORED,
  price decimal(10, 2) unsigned,
  doc json,
  notes longtext CHECK (char_length(notes) < 1000),
  raw_doc longtext,
  text_doc text CHECK (json_valid(text_doc)),
  created timestamp NOT NULL DEFAULT current_timestamp(),
  region char(2),
  code varchar(12),
  CONSTRAINT accounts_email_key UNIQUE (email),
  CONSTRAINT accounts_region_code_key UNIQUE (region, code),
  CONSTRAINT raw_doc_is_json CHECK (json_valid(raw_doc))
) COMMENT 'Accounts: it''s */ here';
CREATE TABLE posts (
  id bigint AUTO_INCREMENT PRIMARY KEY,
  account_id int unsigned,
  region char(2),
  code varchar(12),
  title varchar(200) NOT NULL,
  body text,
  CONSTRAINT posts_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE ON UPDATE SET NULL,
  CONSTRAINT posts_region_code_fk FOREIGN KEY (region, code) REFERENCES accounts (region, code),
  INDEX posts_title_idx (title(20), id),
  FULLTEXT INDEX posts_body_ft (body)
);
CREATE TABLE other_doc (id int PRIMARY KEY, doc json, hidden int INVISIBLE, after_hidden int) WITH SYSTEM VERSIONING;
CREATE VIEW v_left AS SELECT a.id, a.email, p.title, p.id AS post_id FROM accounts a LEFT JOIN posts p ON p.account_id = a.id;
CREATE VIEW v_docs AS SELECT id, doc, raw_doc, notes, json_extract(doc, '$.a') AS doc_a FROM accounts;
CREATE VIEW v_of_view AS SELECT doc, notes FROM v_docs;
CREATE VIEW v_alias AS SELECT x.text_doc AS td, x.email, x.raw_doc FROM accounts x;
`

const database = useTestDatabase('mysql', 'reflect')
let model: SchemaModel
let queries: string[]

const rel = (name: string): RelationModel => {
  const r = model.relations.find((x) => x.name === name)
  if (!r) throw new Error(`no relation ${name}`)
  return r
}
const col = (r: RelationModel, name: string) => {
  const c = r.columns.find((x) => x.name === name)
  if (!c) throw new Error(`no column ${name}`)
  return c
}

beforeAll(async () => {
  await withMysql((c) => c.query(SCHEMA), database.url)
  ;({ model, queries } = await reflectMysqlAt(database.url))
})

describe('reflectMysql', () => {
  it('reads only the current database, with a fixed number of queries', async () => {
    expect(queries).toHaveLength(8)
    for (const q of queries) expect(q).toContain('DATABASE()')
    expect(model).toMatchObject({ dialect: 'mysql', schemas: [database.name], defaultSchema: database.name })
    // More tables, same number of queries.
    await withMysql((c) => c.query(Array.from({ length: 30 }, (_, i) => `CREATE TABLE extra_${i} (id int PRIMARY KEY, v json);`).join('\n')), database.url)
    try {
      const again = await reflectMysqlAt(database.url)
      expect(again.queries).toHaveLength(8)
      expect(again.model.relations.length).toBe(model.relations.length + 30)
    } finally {
      await withMysql((c) => c.query(Array.from({ length: 30 }, (_, i) => `DROP TABLE extra_${i};`).join('\n')), database.url)
    }
  })

  it('reads auto_increment, generated, unsigned, defaults and comments', () => {
    const a = rel('accounts')
    expect(col(a, 'id')).toMatchObject({ autoIncrement: true, unsigned: true, nullable: false, typeKey: 'int', dbType: 'int(10) unsigned', ordinal: 1 })
    expect(col(a, 'email')).toMatchObject({ comment: 'Login.', nullable: false, default: null })
    expect(col(a, 'qty').default).toBe('0')
    expect(col(a, 'doubled').generated).toBe('virtual')
    expect(col(a, 'stored_total').generated).toBe('stored')
    expect(col(a, 'price')).toMatchObject({ unsigned: true, typeKey: 'decimal', dbType: 'decimal(10,2) unsigned' })
    expect(col(a, 'created').default).toBe('current_timestamp()')
    // MariaDB reports 'NULL' as the default of a nullable column without one: that is no default.
    expect(col(a, 'region').default).toBeNull()
    expect(a.comment).toBe("Accounts: it's */ here")
    expect(a.kind).toBe('table')
  })

  it('parses ENUM and SET values with quotes, commas, parentheses and backslashes', () => {
    const a = rel('accounts')
    expect(col(a, 'mood')).toMatchObject({ typeKey: 'enum', enumRef: { schema: database.name, name: 'accounts_mood' }, default: "'a,b'" })
    expect(col(a, 'perms')).toMatchObject({ typeKey: 'set', enumRef: { schema: database.name, name: 'accounts_perms' } })
    const enums = Object.fromEntries(model.enums.map((e) => [e.name, e.values]))
    expect(enums.accounts_mood).toEqual(['a,b', "it's", 'back\\slash', 'paren)', 'q"d', ''])
    expect(enums.accounts_perms).toEqual(['read', "wr'ite", 'x\\y'])
  })

  it('parses quoted lists in isolation, as the server escapes them', () => {
    expect(parseEnumValues(String.raw`enum('a''b','c\\d','e,f',')(','')`)).toEqual(["a'b", 'c\\d', 'e,f', ')(', ''])
    expect(parseEnumValues(String.raw`set('x\'y', 'tab\tz')`)).toEqual(["x'y", 'tab\tz'])
    expect(() => parseEnumValues(`enum('open`)).toThrow(DbgenError)
    expect(jsonValidColumn('json_valid(`we``ird`)')).toBe('we`ird')
    expect(jsonValidColumn('json_valid(`a`) and 1')).toBeNull()
  })

  it('types MariaDB json (a column-level json_valid check) as JSON, and other text as text', () => {
    const a = rel('accounts')
    expect(col(a, 'doc')).toMatchObject({ typeKey: 'json', dbType: 'longtext' })
    expect(col(a, 'text_doc')).toMatchObject({ typeKey: 'json', dbType: 'text' })
    // A table-level json_valid check: MariaDB returns the column as text, so it stays text.
    expect(col(a, 'raw_doc').typeKey).toBe('longtext')
    expect(col(a, 'notes').typeKey).toBe('longtext')
    // INVISIBLE columns (SELECT * leaves them out) and system versioning's hidden columns are not reflected.
    expect(rel('other_doc').columns.map((c) => [c.name, c.ordinal])).toEqual([['id', 1], ['doc', 2], ['after_hidden', 4]])
    // The json_valid check of other_doc.doc (also named "doc") does not leak onto another table.
    expect(col(rel('other_doc'), 'doc').typeKey).toBe('json')
    const v = rel('v_docs')
    expect(Object.fromEntries(v.columns.map((c) => [c.name, c.typeKey]))).toEqual({
      id: 'int',
      doc: 'json',
      raw_doc: 'longtext',
      // A plain reference to a text column stays text; an expression over JSON may come back parsed: unknown.
      notes: 'longtext',
      doc_a: 'unknown',
    })
    expect(Object.fromEntries(rel('v_of_view').columns.map((c) => [c.name, c.typeKey]))).toEqual({ doc: 'json', notes: 'longtext' })
    // Through a table alias.
    expect(Object.fromEntries(rel('v_alias').columns.map((c) => [c.name, c.typeKey]))).toEqual({ td: 'json', email: 'varchar', raw_doc: 'longtext' })
  })

  it('reads primary keys, unique keys, foreign keys with actions and indexes', () => {
    const a = rel('accounts')
    expect(a.primaryKey).toEqual({ name: 'PRIMARY', columns: ['id'] })
    expect(a.uniques).toEqual([
      { name: 'accounts_email_key', columns: ['email'] },
      { name: 'accounts_region_code_key', columns: ['region', 'code'] },
    ])
    const p = rel('posts')
    expect(p.foreignKeys).toEqual([
      {
        name: 'posts_account_fk',
        columns: ['account_id'],
        references: { schema: database.name, name: 'accounts', columns: ['id'] },
        onDelete: 'cascade',
        onUpdate: 'set null',
      },
      {
        name: 'posts_region_code_fk',
        columns: ['region', 'code'],
        references: { schema: database.name, name: 'accounts', columns: ['region', 'code'] },
        onDelete: 'restrict',
        onUpdate: 'restrict',
      },
    ])
    const idx = Object.fromEntries(p.indexes.map((i) => [i.name, i]))
    expect(idx.posts_title_idx).toMatchObject({ columns: ['title', 'id'], unique: false, primary: false, method: 'btree' })
    expect(idx.posts_body_ft).toMatchObject({ columns: ['body'], method: 'fulltext' })
    expect(idx.PRIMARY).toMatchObject({ primary: true, unique: true, columns: ['id'] })
  })

  it('takes view nullability from the server, which marks the outer side of a join nullable', () => {
    const v = rel('v_left')
    expect(v.kind).toBe('view')
    expect(v.comment).toBeNull()
    expect(Object.fromEntries(v.columns.map((c) => [c.name, c.nullable]))).toEqual({ id: false, email: false, title: true, post_id: true })
    // View columns carry no insert defaults.
    expect(v.columns.every((c) => c.default === null && !c.autoIncrement)).toBe(true)
  })

  it('emits nullable columns without Generated, sets as arrays and enums as unions', () => {
    const { text } = emitTypes(model)
    const accounts = (column: string) => spelledMember(text, 'AccountsTable', column)
    expect(accounts('region')).toBe('string | null')
    expect(text).toContain('export type AccountsMood = "a,b" | "it\'s" | "back\\\\slash" | "paren)" | "q\\"d" | ""')
    expect(accounts('perms')).toBe('AccountsPermsColumn | null')
    expect(text).toContain('export type AccountsPermsColumn = ColumnType<AccountsPerms[], readonly AccountsPerms[] | string, readonly AccountsPerms[] | string>\n')
    expect(accounts('doubled')).toBe('GeneratedAlways<number | null>')
    expect(accounts('id')).toBe('WithDefault<IntColumn>')
  })

  it('filters by include/exclude globs in SQL, case-sensitively', async () => {
    const m = (await reflectMysqlAt(database.url, { include: ['v_*', `${database.name}.posts`], exclude: ['v_of_*', 'v_alias'] })).model
    expect(m.relations.map((r) => r.name)).toEqual(['posts', 'v_docs', 'v_left'])
    expect((await reflectMysqlAt(database.url, { include: ['POSTS'] })).model.relations).toEqual([])
  })

  it('refuses a schema other than the URL database, saying which one it reads', async () => {
    const err = await reflectMysqlAt(database.url, { schemas: ['mysql'] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DbgenError)
    expect((err as DbgenError).code).toBe('DBGEN_UNKNOWN_SCHEMA')
    expect((err as DbgenError).message).toContain(JSON.stringify(database.name))
  })

  it('names the current database by defaultSchema when given, foreign key targets and enums included', async () => {
    const m = (await reflectMysqlAt(database.url, { defaultSchema: 'app', include: ['posts', 'accounts'] })).model
    expect(m).toMatchObject({ schemas: ['app'], defaultSchema: 'app' })
    expect(m.relations.map((r) => r.schema)).toEqual(['app', 'app'])
    expect(m.relations.find((r) => r.name === 'posts')?.foreignKeys.map((f) => f.references.schema)).toEqual(['app', 'app'])
    expect(new Set(m.enums.map((e) => e.schema))).toEqual(new Set(['app']))
    expect(JSON.stringify(m)).not.toContain(database.name)
  })

  it('gives the same model twice', async () => {
    expect(JSON.stringify((await reflectMysqlAt(database.url)).model)).toBe(JSON.stringify(model))
  })
})
