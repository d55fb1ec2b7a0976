/**
 * The MySQL/MariaDB `information_schema` queries: one to learn the current database and server, then five (seven on
 * MariaDB) in parallel, whatever the number of tables. Every query reads only the current database
 * (`TABLE_SCHEMA = DATABASE()`), and include/exclude globs are applied in SQL, case-sensitively. Plain SQL text
 * with `?` parameters, so running them needs no query builder.
 *
 * @example
 * const { text, params } = mysqlCatalogQueries({ includeBare: [], includeQualified: [], excludeBare: [], excludeQualified: [] }).columns
 * const rows = await executor.query<MysqlColumnRow>(text, params)
 */
import type { CatalogQuery } from './postgres-queries.js'

/** Which relations to read: anchored regular expressions from `splitGlobs` (bare = table name, qualified = `db.table`). */
export interface MysqlRelationFilter {
  readonly includeBare: readonly string[]
  readonly includeQualified: readonly string[]
  readonly excludeBare: readonly string[]
  readonly excludeQualified: readonly string[]
}

export interface MysqlInfoRow { db: string | null; version: string }
export interface MysqlTableRow { TABLE_NAME: string; TABLE_TYPE: string; TABLE_COMMENT: string | null }
export interface MysqlColumnRow {
  TABLE_NAME: string
  COLUMN_NAME: string
  ORDINAL_POSITION: number
  COLUMN_DEFAULT: string | null
  IS_NULLABLE: string
  DATA_TYPE: string
  COLUMN_TYPE: string
  EXTRA: string
  COLUMN_COMMENT: string | null
}
export interface MysqlIndexRow {
  TABLE_NAME: string
  INDEX_NAME: string
  NON_UNIQUE: number | string
  SEQ_IN_INDEX: number
  COLUMN_NAME: string | null
  INDEX_TYPE: string
}
export interface MysqlForeignKeyRow {
  TABLE_NAME: string
  CONSTRAINT_NAME: string
  COLUMN_NAME: string
  ORDINAL_POSITION: number
  REFERENCED_TABLE_SCHEMA: string
  REFERENCED_TABLE_NAME: string
  REFERENCED_COLUMN_NAME: string
}
export interface MysqlForeignKeyRuleRow { TABLE_NAME: string; CONSTRAINT_NAME: string; UPDATE_RULE: string; DELETE_RULE: string }
export interface MysqlCheckRow { TABLE_NAME: string; CHECK_CLAUSE: string }
export interface MysqlViewRow { TABLE_NAME: string; VIEW_DEFINITION: string | null }

/**
 * A case-sensitive filter on a table-name column, as SQL text with `?` parameters appended to `params`.
 * information_schema columns are case-insensitive utf8mb3, so the name is converted to utf8mb4 with a binary
 * collation first (valid on MariaDB and MySQL 8). With no patterns it is `TRUE`, so no function runs per row.
 */
function nameFilter(f: MysqlRelationFilter, column: string, params: unknown[]): string {
  const name = `CONVERT(${column} USING utf8mb4) COLLATE utf8mb4_bin`
  const qualified = `CONVERT(CONCAT(DATABASE(), '.', ${column}) USING utf8mb4) COLLATE utf8mb4_bin`
  const any = (target: string, patterns: readonly string[]) => {
    params.push(...patterns)
    return patterns.length === 0 ? 'FALSE' : patterns.map(() => `${target} REGEXP ?`).join(' OR ')
  }
  const parts: string[] = []
  if (f.includeBare.length + f.includeQualified.length > 0) parts.push(`(${any(name, f.includeBare)} OR ${any(qualified, f.includeQualified)})`)
  if (f.excludeBare.length + f.excludeQualified.length > 0) parts.push(`NOT (${any(name, f.excludeBare)} OR ${any(qualified, f.excludeQualified)})`)
  return parts.length === 0 ? 'TRUE' : parts.join(' AND ')
}

/** The queries, as SQL text with `?` parameters. `checks` and `views` are only run on MariaDB (see reflectMysql). */
export function mysqlCatalogQueries(f: MysqlRelationFilter) {
  const q = <R>(build: (filter: (column: string) => string) => string): CatalogQuery<R> => {
    const params: unknown[] = []
    return { text: build((column) => nameFilter(f, column, params)), params }
  }
  return {
    info: q<MysqlInfoRow>(() => `SELECT DATABASE() AS db, VERSION() AS version`),

    tables: q<MysqlTableRow>(
      (filter) => `SELECT TABLE_NAME, TABLE_TYPE, TABLE_COMMENT
      FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED') AND ${filter('TABLE_NAME')}`,
    ),

    columns: q<MysqlColumnRow>(
      (filter) => `SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_DEFAULT, IS_NULLABLE, DATA_TYPE,
        COLUMN_TYPE, EXTRA, COLUMN_COMMENT
      FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = DATABASE() AND ${filter('TABLE_NAME')}`,
    ),

    indexes: q<MysqlIndexRow>(
      (filter) => `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, INDEX_TYPE
      FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = DATABASE() AND ${filter('TABLE_NAME')}`,
    ),

    // Foreign keys come in two queries joined in JS: MariaDB joins these two information_schema tables ~8× slower.
    foreignKeys: q<MysqlForeignKeyRow>(
      (filter) => `SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, ORDINAL_POSITION,
        REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
      FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL AND ${filter('TABLE_NAME')}`,
    ),

    foreignKeyRules: q<MysqlForeignKeyRuleRow>(
      (filter) => `SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE
      FROM information_schema.REFERENTIAL_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = DATABASE() AND ${filter('TABLE_NAME')}`,
    ),

    /**
     * MariaDB only (MySQL's CHECK_CONSTRAINTS has no TABLE_NAME, and MySQL has a native JSON type). Only
     * column-level checks: MariaDB returns a column as JSON (parsed by the runtime) for those, not for a table-level one.
     * Not filtered, like `views`: an included view may read an excluded table's JSON column.
     */
    checks: q<MysqlCheckRow>(
      () => `SELECT TABLE_NAME, CHECK_CLAUSE
      FROM information_schema.CHECK_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = DATABASE() AND LEVEL = 'Column' AND CHECK_CLAUSE LIKE 'json\\_valid(%'`,
    ),

    /** MariaDB only: view definitions, to tell which `longtext` view columns carry JSON. Not filtered: a view may read an excluded view. */
    views: q<MysqlViewRow>(() => `SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()`),
  }
}
