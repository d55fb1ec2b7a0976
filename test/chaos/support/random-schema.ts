/**
 * fast-check arbitraries for random schemas: hostile identifiers and comments, every supported column type, foreign
 * keys and views, rendered as DDL for PostgreSQL or MariaDB.
 *
 * @example
 * const schemas = fc.sample(schemaArb('postgres'), { numRuns: 200, seed })
 * const ddl = renderDdl('postgres', 'fz_1', schemas[0])
 */
import fc from 'fast-check'
import { MYSQL_TYPES } from '../../../src/types/mysql-types.js'
import { PG_TYPES } from '../../../src/types/pg-types.js'

export type FuzzDialect = 'postgres' | 'mysql'

export interface RandomColumn {
  readonly name: string
  readonly type: string
  readonly nullable: boolean
  readonly comment: string | null
}
export interface RandomTable {
  readonly name: string
  readonly comment: string | null
  readonly columns: readonly RandomColumn[]
  /** Index of an earlier table this one references by `id`, if any. */
  readonly fkTo: number | null
}
export interface RandomSchema {
  readonly tables: readonly RandomTable[]
  readonly enumLabels: readonly string[]
  readonly view: boolean
}

// Names that break naive emitters: reserved words, quotes, comment terminators, prototype keys, digits first.
const HOSTILE_COMMON = [
  'select', 'from', 'where', 'class', 'function', 'constructor', '__proto__', 'toString', 'DB', 'JsonValue',
  'we"ird', 'spaced name', '1starts_digit', '*/x', 'a/*b', 'back`tick', 'dollar$', 'ünïcödé', 'ΑΒΓ', 'user_id', 'userId',
]
const HOSTILE_PG_ONLY = ['😀', 'new\nline', "it's"]
// Columns the renderer adds itself.
const RESERVED_COLUMNS = new Set(['id', 'mood', 'parent_id'])
/** Cannot collide with a drawn table name: drawn names never contain '*' next to a space. */
const VIEW_NAME = 'fuzz */ view'
const COMMENT_BITS = ['*/', '/*', '`', '${x}', '\n', '\u2028', '@deprecated', "'", '"', '\\', '😀', '</script>', '*/ export const x = 1; /*']

/** Column types to draw from: every type the type map knows that the server accepts (checked at setup). */
export function typeNames(dialect: FuzzDialect): readonly string[] {
  return dialect === 'postgres' ? Object.keys(PG_TYPES).filter((t) => t !== 'name' && t !== 'char') : Object.keys(MYSQL_TYPES)
}

/** The DDL spelling of a type-map key. */
function ddlType(dialect: FuzzDialect, t: string): string {
  if (dialect === 'postgres') return t === 'bpchar' ? 'char(3)' : t === 'varchar' ? 'varchar(20)' : t === 'bit' ? 'bit(4)' : t
  switch (t) {
    case 'char':
    case 'binary':
      return `${t}(4)`
    case 'varchar':
    case 'varbinary':
      return `${t}(40)`
    case 'decimal':
      return 'decimal(12,3)'
    case 'bit':
      return 'bit(5)'
    default:
      return t
  }
}

function identifierArb(dialect: FuzzDialect): fc.Arbitrary<string> {
  const hostile = dialect === 'postgres' ? [...HOSTILE_COMMON, ...HOSTILE_PG_ONLY] : HOSTILE_COMMON
  return fc.oneof(fc.constantFrom(...hostile), fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_ ]{0,12}[a-zA-Z0-9_]$/))
}

const commentArb = fc.option(
  fc.array(fc.oneof(fc.constantFrom(...COMMENT_BITS), fc.string({ maxLength: 8 })), { maxLength: 5 }).map((parts) => parts.join(' ')),
  { nil: null },
)

/** One random schema for `dialect`, its column types drawn from `types`. */
export function schemaArb(dialect: FuzzDialect, types: readonly string[]): fc.Arbitrary<RandomSchema> {
  const key = (s: string) => s.toLowerCase()
  const column = fc.record({
    name: identifierArb(dialect),
    type: fc.constantFrom(...types),
    nullable: fc.boolean(),
    comment: commentArb,
  })
  const table = fc.record({
    name: identifierArb(dialect),
    comment: commentArb,
    columns: fc.uniqueArray(column, { minLength: 1, maxLength: 6, selector: (c) => key(c.name) }).map((cs) => cs.filter((c) => !RESERVED_COLUMNS.has(key(c.name)))),
    fk: fc.boolean(),
  })
  return fc.record({
    tables: fc.uniqueArray(table, { minLength: 1, maxLength: 4, selector: (t) => key(t.name) }).map((ts) =>
      ts.map((t, i) => ({ name: t.name, comment: t.comment, columns: t.columns, fkTo: t.fk && i > 0 ? i - 1 : null })),
    ),
    // MySQL/MariaDB compare ENUM labels case-insensitively, without trailing spaces: 'i' and 'I ' are one label there.
    enumLabels: fc.uniqueArray(fc.oneof(fc.constantFrom("a'b", 'c"d', 'e*/f', '`', ' '), fc.string({ minLength: 1, maxLength: 6 })), {
      maxLength: 4,
      selector: dialect === 'postgres' ? (l) => l : (l) => key(l).replace(/ +$/, ''),
    }),
    view: fc.boolean(),
  })
}

function quoteIdent(dialect: FuzzDialect, name: string): string {
  return dialect === 'postgres' ? `"${name.replaceAll('"', '""')}"` : `\`${name.replaceAll('`', '``')}\``
}

function quoteText(dialect: FuzzDialect, text: string): string {
  const escaped = text.replaceAll("'", "''")
  return dialect === 'mysql' ? `'${escaped.replaceAll('\\', '\\\\')}'` : `'${escaped}'`
}

/** The DDL that creates `s` inside `namespace` (a PostgreSQL schema; for MariaDB, the connection's database). */
export function renderDdl(dialect: FuzzDialect, namespace: string, s: RandomSchema): string[] {
  const qi = (n: string) => quoteIdent(dialect, n)
  const ns = dialect === 'postgres' ? `${qi(namespace)}.` : ''
  const out: string[] = []
  if (dialect === 'postgres') out.push(`CREATE SCHEMA ${qi(namespace)}`)
  const hasEnum = s.enumLabels.length > 0
  if (hasEnum && dialect === 'postgres') out.push(`CREATE TYPE ${ns}"mood" AS ENUM (${s.enumLabels.map((l) => quoteText(dialect, l)).join(', ')})`)
  s.tables.forEach((t, i) => {
    const cols = [`${qi('id')} int PRIMARY KEY`]
    for (const c of t.columns) {
      let def = `${qi(c.name)} ${ddlType(dialect, c.type)}${c.nullable ? '' : ' NOT NULL'}`
      if (dialect === 'mysql' && c.comment !== null) def += ` COMMENT ${quoteText(dialect, c.comment)}`
      cols.push(def)
    }
    if (hasEnum && i === 0) {
      cols.push(dialect === 'postgres' ? `${qi('mood')} ${ns}"mood"` : `${qi('mood')} ENUM(${s.enumLabels.map((l) => quoteText(dialect, l)).join(', ')})`)
    }
    if (t.fkTo !== null) cols.push(`${qi('parent_id')} int REFERENCES ${ns}${qi(s.tables[t.fkTo]!.name)} (${qi('id')})`)
    const tableComment = dialect === 'mysql' && t.comment !== null ? ` COMMENT ${quoteText(dialect, t.comment)}` : ''
    out.push(`CREATE TABLE ${ns}${qi(t.name)} (${cols.join(', ')})${tableComment}`)
    if (dialect === 'postgres') {
      if (t.comment !== null) out.push(`COMMENT ON TABLE ${ns}${qi(t.name)} IS ${quoteText(dialect, t.comment)}`)
      for (const c of t.columns) {
        if (c.comment !== null) out.push(`COMMENT ON COLUMN ${ns}${qi(t.name)}.${qi(c.name)} IS ${quoteText(dialect, c.comment)}`)
      }
    }
  })
  if (s.view) out.push(`CREATE VIEW ${ns}${qi(VIEW_NAME)} AS SELECT * FROM ${ns}${qi(s.tables[0]!.name)}`)
  return out
}
