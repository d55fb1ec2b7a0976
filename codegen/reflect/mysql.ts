/**
 * Reflects the current MySQL or MariaDB database into a {@link SchemaModel} (dialect `mysql`) through a Kysely
 * instance or an {@link SqlExecutor} (the CLI passes a mysql2 pool directly), with a fixed number of
 * `information_schema` queries (six on MySQL, eight on MariaDB) whatever the number of tables. Only the database
 * the connection is using (`DATABASE()`) is read.
 *
 * ENUM and SET columns become one enum per column (named `<table>_<column>`), with values parsed from
 * `COLUMN_TYPE`. MariaDB's `json` (a `longtext` with a `json_valid(col)` CHECK) is typed as JSON.
 *
 * @example
 * const db = new Kysely<any>({ dialect: new MysqlDialect({ pool: mysql.createPool({ uri }) }) })
 * const model = await reflectMysql(db, { exclude: ['*_old'] })
 * const same = await reflectMysql({ query: (text, params) => pool.promise().query(text, params).then(([rows]) => rows) })
 */
import type { Kysely } from 'kysely'
import { DbgenError } from '../errors.js'
import {
  compareQualified,
  compareText,
  type ColumnModel,
  type EnumModel,
  type ForeignKeyAction,
  type ForeignKeyModel,
  type IndexModel,
  type KeyModel,
  type RelationModel,
  type SchemaModel,
} from '../model.js'
import { mysqlCatalogQueries, type MysqlColumnRow, type MysqlForeignKeyRow, type MysqlForeignKeyRuleRow, type MysqlIndexRow, type MysqlViewRow } from './mysql-queries.js'
import { toExecutor, type SqlExecutor } from './executor.js'
import { groupBy } from './group-by.js'
import { splitGlobs, type CatalogQuery } from './postgres-queries.js'

/** What to reflect. `schemas`, when given, must name the URL's database: MySQL reflection reads only that one. */
export interface MysqlReflectOptions {
  readonly schemas?: readonly string[]
  /**
   * The name the current database gets in the model (and so in `metadata.ts` and the fingerprint); default: its
   * real name. Set it when the database is named differently per environment (`app`, `app_ci`), so that
   * `dbgen --check` in CI compares equal output.
   */
  readonly defaultSchema?: string
  /** Globs over the table name, or `database.table` with a dot. */
  readonly include?: readonly string[]
  readonly exclude?: readonly string[]
}

const ACTIONS: Record<string, ForeignKeyAction> = {
  'NO ACTION': 'no action',
  RESTRICT: 'restrict',
  CASCADE: 'cascade',
  'SET NULL': 'set null',
  'SET DEFAULT': 'set default',
}

/** Reads `information_schema` for the current database and builds the model. */
export async function reflectMysql(db: Kysely<any> | SqlExecutor, options: MysqlReflectOptions = {}): Promise<SchemaModel> {
  const exec = toExecutor(db)
  const run = <R>(query: CatalogQuery<R>) => exec.query<R>(query.text, query.params)
  const inc = splitGlobs(options.include ?? [])
  const exc = splitGlobs(options.exclude ?? [])
  const q = mysqlCatalogQueries({ includeBare: inc.bare, includeQualified: inc.qualified, excludeBare: exc.bare, excludeQualified: exc.qualified })
  const info = (await run(q.info))[0]
  const database = info?.db ?? null
  if (database === null) {
    throw new DbgenError('DBGEN_USAGE', 'The MySQL URL names no database. Add it to the URL path, e.g. mysql://user@host:3306/app.')
  }
  const schema = options.defaultSchema ?? database
  const wanted = options.schemas ?? []
  if (wanted.some((s) => s !== database && s !== schema)) {
    throw new DbgenError(
      'DBGEN_UNKNOWN_SCHEMA',
      `MySQL reflection reads only the URL's database ${JSON.stringify(database)}, not ${wanted.map((s) => JSON.stringify(s)).join(', ')}. ` +
        `Drop --schema, or point the URL at that database.`,
    )
  }
  const mariadb = /mariadb/i.test(info?.version ?? '')
  const [tables, columns, indexes, foreignKeys, foreignKeyRules, checks, views] = await Promise.all([
    run(q.tables),
    run(q.columns),
    run(q.indexes),
    run(q.foreignKeys),
    run(q.foreignKeyRules),
    mariadb ? run(q.checks) : [],
    mariadb ? run(q.views) : [],
  ])

  const jsonColumns = new Set<string>()
  for (const c of checks) {
    const col = jsonValidColumn(c.CHECK_CLAUSE)
    if (col !== null) jsonColumns.add(`${c.TABLE_NAME}\u0000${col}`)
  }
  const viewJson = mariadbViewJson(database, views, jsonColumns, new Set(tables.map((t) => t.TABLE_NAME)))
  const colsByTable = groupBy(columns, (c) => c.TABLE_NAME)
  const idxByTable = groupBy(indexes, (i) => i.TABLE_NAME)
  const fkByTable = groupBy(foreignKeys, (f) => f.TABLE_NAME)
  const rules = new Map(foreignKeyRules.map((r) => [`${r.TABLE_NAME}\u0000${r.CONSTRAINT_NAME}`, r]))
  const enums: EnumModel[] = []
  /** COLUMN_TYPE → EXTRA → facts. */
  const factsCache = new Map<string, Map<string, TypeFacts>>()

  const relations = tables.map((t): RelationModel => {
    const view = t.TABLE_TYPE === 'VIEW'
    const cols = (colsByTable.get(t.TABLE_NAME) ?? [])
      // INVISIBLE columns are left out: `SELECT *` (Kysely's selectAll) never returns them, and the server requires
      // them to be nullable or defaulted, so inserts never need them.
      .filter((c) => !/\bINVISIBLE\b/i.test(c.EXTRA ?? ''))
      .sort((a, b) => Number(a.ORDINAL_POSITION) - Number(b.ORDINAL_POSITION))
      .map((c) => {
        let facts = factsCache.get(c.COLUMN_TYPE)?.get(c.EXTRA)
        if (facts === undefined) {
          facts = typeFacts(c)
          const byExtra = factsCache.get(c.COLUMN_TYPE) ?? new Map<string, TypeFacts>()
          factsCache.set(c.COLUMN_TYPE, byExtra.set(c.EXTRA, facts))
        }
        let json: 'json' | 'unknown' | null = null
        if (mariadb && facts.text) {
          json = jsonColumns.has(`${t.TABLE_NAME}\u0000${c.COLUMN_NAME}`) ? 'json' : viewJson(t.TABLE_NAME, c.COLUMN_NAME, facts.typeKey === 'longtext')
        }
        return buildColumn(c, facts, schema, mariadb, json, enums)
      })
      // A view column's "default" is an artifact of the server (e.g. '0' for a NOT NULL int): views are not inserted into.
      .map((c) => (view ? { ...c, default: null, autoIncrement: false } : c))
    const keys = indexModels(idxByTable.get(t.TABLE_NAME) ?? [])
    const pk = keys.find((k) => k.primary)
    return {
      schema,
      name: t.TABLE_NAME,
      kind: view ? 'view' : 'table',
      // MySQL reports the comment of every view as 'VIEW'.
      comment: view || !t.TABLE_COMMENT ? null : t.TABLE_COMMENT,
      columns: cols,
      primaryKey: pk ? { name: pk.name, columns: pk.columns as string[] } : null,
      uniques: keys
        .filter((k) => k.unique && !k.primary && k.columns.every((c) => c !== null))
        .map((k): KeyModel => ({ name: k.name, columns: k.columns as string[] })),
      foreignKeys: foreignKeyModels(fkByTable.get(t.TABLE_NAME) ?? [], rules, (db) => (db === database ? schema : db)),
      indexes: keys,
      partitionOf: null,
    }
  })
  return {
    dialect: 'mysql',
    schemas: [schema],
    defaultSchema: schema,
    relations: relations.sort(compareQualified),
    enums: enums.sort(compareQualified),
  }
}

/** What a column's type and EXTRA say, computed once per distinct (DATA_TYPE, COLUMN_TYPE, EXTRA). */
interface TypeFacts {
  readonly typeKey: string
  readonly unsigned: boolean
  readonly autoIncrement: boolean
  readonly generated: ColumnModel['generated']
  /** ENUM/SET values (one shared array per distinct COLUMN_TYPE), else null. */
  readonly values: readonly string[] | null
  /** A character type: MariaDB may return it as JSON (a column-level json_valid check, or through a view). */
  readonly text: boolean
  /** COLUMN_TYPE, one string shared by every column of this type. */
  readonly dbType: string
}

const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext'])

function typeFacts(c: MysqlColumnRow): TypeFacts {
  const dataType = c.DATA_TYPE.toLowerCase()
  const columnType = c.COLUMN_TYPE
  const extra = c.EXTRA ?? ''
  return {
    typeKey: dataType === 'tinyint' && /^tinyint\(1\)/i.test(columnType) ? 'tinyint(1)' : dataType,
    unsigned: /\bunsigned\b/i.test(columnType),
    autoIncrement: /\bauto_increment\b/i.test(extra),
    generated: /\bVIRTUAL GENERATED\b/i.test(extra) ? 'virtual' : /\b(STORED|PERSISTENT) GENERATED\b/i.test(extra) ? 'stored' : null,
    values: dataType === 'enum' || dataType === 'set' ? parseEnumValues(columnType) : null,
    text: TEXT_TYPES.has(dataType),
    dbType: columnType,
  }
}

function buildColumn(
  c: MysqlColumnRow,
  facts: TypeFacts,
  schema: string,
  mariadb: boolean,
  json: 'json' | 'unknown' | null,
  enums: EnumModel[],
): ColumnModel {
  let enumRef: ColumnModel['enumRef'] = null
  if (facts.values !== null) {
    enumRef = { schema, name: `${c.TABLE_NAME}_${c.COLUMN_NAME}` }
    enums.push({ ...enumRef, values: facts.values, comment: null })
  }
  return {
    name: c.COLUMN_NAME,
    ordinal: Number(c.ORDINAL_POSITION),
    dbType: facts.dbType,
    typeKey: json !== null && facts.typeKey !== 'tinyint(1)' ? json : facts.typeKey,
    arrayDims: 0,
    nullable: c.IS_NULLABLE === 'YES',
    default: facts.generated ? null : normalizeDefault(c, mariadb),
    identity: null,
    autoIncrement: facts.autoIncrement,
    generated: facts.generated,
    enumRef,
    domain: null,
    unsigned: facts.unsigned,
    comment: c.COLUMN_COMMENT ? c.COLUMN_COMMENT : null,
  }
}

const QUOTED_DEFAULT_TYPES = /char|text|enum|set|binary|blob|json|date|time|year/

/**
 * The default as SQL text. MariaDB already reports an expression (`'abc'`, `0`, `current_timestamp()`) and `NULL`
 * for "no default" on a nullable column; MySQL 8 reports string literals unquoted and marks expression defaults
 * with `DEFAULT_GENERATED`.
 */
function normalizeDefault(c: MysqlColumnRow, mariadb: boolean): string | null {
  const d = c.COLUMN_DEFAULT
  if (d === null) return null
  if (mariadb) return d === 'NULL' ? null : d
  if (/DEFAULT_GENERATED/i.test(c.EXTRA ?? '') || !QUOTED_DEFAULT_TYPES.test(c.DATA_TYPE.toLowerCase())) return d
  if (/^current_timestamp/i.test(d)) return d
  return `'${d.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

/**
 * The values of an `enum(…)` or `set(…)` COLUMN_TYPE, in order. Values are single-quoted; inside them a quote is
 * doubled (`''`) or backslash-escaped, and a backslash is written `\\`. Commas and parentheses inside quotes are
 * part of the value.
 *
 * @example
 * parseEnumValues(`enum('a,b','it''s','back\\\\slash')`) // ['a,b', "it's", 'back\\slash']
 */
export function parseEnumValues(columnType: string): string[] {
  const open = columnType.indexOf('(')
  if (open < 0) return []
  const values: string[] = []
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', Z: '\x1a', b: '\b' }
  let i = open + 1
  const n = columnType.length
  while (i < n) {
    const ch = columnType[i]
    if (ch === ')') break
    if (ch === ',' || ch === ' ') {
      i++
      continue
    }
    if (ch !== "'") throw new DbgenError('DBGEN_QUERY', `Cannot parse the values of ${columnType} at offset ${i}. Report this column type to the dbgen maintainers.`)
    let value = ''
    i++
    for (;;) {
      if (i >= n) throw new DbgenError('DBGEN_QUERY', `Unterminated value in ${columnType}. Report this column type to the dbgen maintainers.`)
      const c = columnType[i] as string
      if (c === "'") {
        if (columnType[i + 1] === "'") {
          value += "'"
          i += 2
          continue
        }
        i++
        break
      }
      if (c === '\\' && i + 1 < n) {
        const next = columnType[i + 1] as string
        value += escapes[next] ?? next
        i += 2
        continue
      }
      value += c
      i++
    }
    values.push(value)
  }
  return values
}

const IDENT = '`((?:[^`]|``)*)`'
/** A select-list item that is a plain column reference: `` `db`.`t`.`c` AS `alias` `` or `` `t`.`c` AS `alias` ``. */
const PLAIN_REF = new RegExp(`(?:^select |,)(?:${IDENT}\\.)?${IDENT}\\.${IDENT} AS ${IDENT}(?=,| from )`, 'gi')
/** A table with an alias in the FROM clause: `` `db`.`table` `alias` ``. */
const TABLE_ALIAS = new RegExp(`${IDENT}\\.${IDENT} ${IDENT}`, 'g')
const unquote = (s: string) => s.replace(/``/g, '`')

/**
 * MariaDB returns JSON-format values (a `json` column, or a JSON function's result) parsed, also through a view,
 * where information_schema only says `longtext`. Returns a lookup for a view's character column:
 * - `json` when it is a plain reference to a JSON column (through table aliases and other views too);
 * - `unknown` when it references something that cannot be resolved and could be JSON, or — for a longtext column,
 *   the type of JSON functions' results — when it is an expression in a view that calls a JSON function or whose
 *   definition cannot be read;
 * - null (a plain string) otherwise.
 */
export function mariadbViewJson(
  database: string,
  views: readonly MysqlViewRow[],
  jsonColumns: ReadonlySet<string>,
  tableNames: ReadonlySet<string>,
): (view: string, column: string, mayHoldJsonExpression: boolean) => 'json' | 'unknown' | null {
  const definitions = new Map(views.map((v) => [v.TABLE_NAME, v.VIEW_DEFINITION ?? '']))
  const jsonColumnNames = new Set([...jsonColumns].map((k) => k.slice(k.indexOf('\u0000') + 1)))
  /** `view\0alias` → the referenced `[table, column]`, or null when it is in another database. */
  const refs = new Map<string, readonly [string, string] | null>()
  for (const [view, def] of definitions) {
    const aliases = new Map<string, string | null>()
    for (const [, db, table, alias] of def.matchAll(TABLE_ALIAS) as Iterable<[string, string, string, string]>) {
      aliases.set(unquote(alias), unquote(db) === database ? unquote(table) : null)
    }
    for (const m of def.matchAll(PLAIN_REF)) {
      const [, db, qualifier, column, alias] = m as unknown as [string, string | undefined, string, string, string]
      const table = db === undefined && aliases.has(unquote(qualifier)) ? aliases.get(unquote(qualifier)) : unquote(qualifier)
      const local = db === undefined || unquote(db) === database
      refs.set(`${view}\u0000${unquote(alias)}`, local && table ? [table, unquote(column)] : null)
    }
  }
  const lookup = (view: string, column: string, exprJson: boolean, depth: number): 'json' | 'unknown' | null => {
    const key = `${view}\u0000${column}`
    if (jsonColumns.has(key)) return 'json'
    const def = definitions.get(view)
    if (def === undefined) return tableNames.has(view) ? null : jsonColumnNames.has(column) || exprJson ? 'unknown' : null
    const ref = refs.get(key)
    if (ref === null) return exprJson ? 'unknown' : null
    if (ref !== undefined) return depth < 32 ? lookup(ref[0], ref[1], exprJson, depth + 1) : 'unknown'
    return exprJson && (def === '' || /\bjson_\w+\s*\(/i.test(def)) ? 'unknown' : null
  }
  return (view, column, mayHoldJsonExpression) => (definitions.has(view) ? lookup(view, column, mayHoldJsonExpression, 0) : null)
}

/** `json_valid(`col`)` (MariaDB's check for a `json` column) → `col`, else null. */
export function jsonValidColumn(clause: string): string | null {
  const m = /^\s*json_valid\(\s*`((?:[^`]|``)+)`\s*\)\s*$/i.exec(clause)
  return m ? (m[1] as string).replace(/``/g, '`') : null
}

function indexModels(rows: readonly MysqlIndexRow[]): IndexModel[] {
  const byName = groupBy(rows, (r) => r.INDEX_NAME)
  return [...byName]
    .map(([name, parts]): IndexModel => {
      const first = parts[0] as MysqlIndexRow
      return {
        name,
        columns: parts.sort((a, b) => Number(a.SEQ_IN_INDEX) - Number(b.SEQ_IN_INDEX)).map((p) => p.COLUMN_NAME ?? null),
        unique: Number(first.NON_UNIQUE) === 0,
        primary: name === 'PRIMARY',
        partial: false,
        method: first.INDEX_TYPE.toLowerCase(),
      }
    })
    .sort((a, b) => compareText(a.name, b.name))
}

function foreignKeyModels(
  rows: readonly MysqlForeignKeyRow[],
  rules: ReadonlyMap<string, MysqlForeignKeyRuleRow>,
  schemaOf: (database: string) => string,
): ForeignKeyModel[] {
  return [...groupBy(rows, (r) => r.CONSTRAINT_NAME)]
    .map(([name, parts]): ForeignKeyModel => {
      const sorted = parts.sort((a, b) => Number(a.ORDINAL_POSITION) - Number(b.ORDINAL_POSITION))
      const first = sorted[0] as MysqlForeignKeyRow
      const rule = rules.get(`${first.TABLE_NAME}\u0000${name}`)
      return {
        name,
        columns: sorted.map((p) => p.COLUMN_NAME),
        references: { schema: schemaOf(first.REFERENCED_TABLE_SCHEMA), name: first.REFERENCED_TABLE_NAME, columns: sorted.map((p) => p.REFERENCED_COLUMN_NAME) },
        onDelete: ACTIONS[rule?.DELETE_RULE ?? ''] ?? 'no action',
        onUpdate: ACTIONS[rule?.UPDATE_RULE ?? ''] ?? 'no action',
      }
    })
    .sort((a, b) => compareText(a.name, b.name))
}
