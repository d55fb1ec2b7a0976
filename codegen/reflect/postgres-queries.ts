/**
 * The PostgreSQL catalog queries: eight of them, whatever the number of tables, each filtered in SQL to the
 * selected schemas and include/exclude patterns. No per-row catalog functions except `pg_get_expr` on distinct
 * defaults. Plain SQL text with `$n` parameters, so running them needs no query builder.
 *
 * @example
 * const { text, params } = pgCatalogQueries(filter).columns
 * const rows = await executor.query<ColumnRow>(text, params)
 */

/** Which relations to read; `include`/`exclude` are anchored regular expressions (see `globToRegex`). */
export interface PgRelationFilter {
  readonly schemas: readonly string[]
  readonly includeBare: readonly string[]
  readonly includeQualified: readonly string[]
  readonly excludeBare: readonly string[]
  readonly excludeQualified: readonly string[]
  readonly partitions: boolean
}

export interface SchemaRow { nspname: string }
export interface RelationRow {
  oid: number
  nspname: string
  relname: string
  relkind: string
  parent_schema: string | null
  parent_name: string | null
  ev_action: string | null
}
export interface ColumnRow {
  attrelid: number
  attnum: number
  attname: string
  /** `atttypid:atttypmod:attndims`: one field to parse instead of three, and the type cache key as is. */
  typ: string
  /** `attidentity` + `attgenerated` + `n` when NOT NULL, e.g. `an` (identity always, not null), `s` (stored). */
  flags: string
}
export interface DefaultRow { expr: string; cols: string }
export interface TypeRow {
  oid: number
  typname: string
  nspname: string
  typtype: string
  typelem: number
  typbasetype: number
  typtypmod: number
  typcategory: string
  labels: string[] | null
}
export interface DescriptionRow { objoid: number; objsubid: number; kind: 'class' | 'type'; description: string }
export interface ConstraintRow {
  conrelid: number
  conname: string
  contype: string
  conkey: number[] | null
  confupdtype: string
  confdeltype: string
  confrelid: number
  confkey: number[] | null
  fschema: string | null
  ftable: string | null
  fcols: string[] | null
}
export interface IndexRow {
  indrelid: number
  name: string
  indisunique: boolean
  indisprimary: boolean
  keys: string
  indnkeyatts: number
  partial: boolean
  amname: string
}

/** One query: SQL text and its parameters. The row type is carried for the caller's benefit. */
export interface CatalogQuery<R> {
  readonly text: string
  readonly params: readonly unknown[]
  /** Phantom: the row type. */
  readonly row?: R
}

/** The `rels` CTE body: the selected relations, filtered in SQL (parameters $1–$5). */
const RELS = `SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispartition
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[])
      AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
      AND ($6::boolean OR NOT c.relispartition)
      AND (cardinality($2::text[]) + cardinality($3::text[]) = 0
        OR c.relname ~ ANY($2::text[]) OR (n.nspname || '.' || c.relname) ~ ANY($3::text[]))
      AND NOT (c.relname ~ ANY($4::text[]) OR (n.nspname || '.' || c.relname) ~ ANY($5::text[]))`

/** The queries; every one but `schemas` takes the same six filter parameters. */
export function pgCatalogQueries(f: PgRelationFilter) {
  const params = [[...f.schemas], [...f.includeBare], [...f.includeQualified], [...f.excludeBare], [...f.excludeQualified], f.partitions]
  const q = <R>(text: string): CatalogQuery<R> => ({ text: `WITH rels AS (${RELS})${text}`, params })
  return {
    schemas: {
      text: `SELECT nspname::text AS nspname FROM pg_catalog.pg_namespace
        WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY nspname`,
      params: [],
    } as CatalogQuery<SchemaRow>,

    relations: q<RelationRow>(`      SELECT r.oid::int AS oid, r.nspname, r.relname, r.relkind::text AS relkind,
        pn.nspname AS parent_schema, pc.relname AS parent_name,
        CASE WHEN r.relkind IN ('v', 'm') THEN rw.ev_action::text END AS ev_action
      FROM rels r
      LEFT JOIN pg_catalog.pg_rewrite rw ON rw.ev_class = r.oid AND rw.rulename = '_RETURN'
      LEFT JOIN pg_catalog.pg_inherits i ON r.relispartition AND i.inhrelid = r.oid
      LEFT JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
      LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace`),

    columns: q<ColumnRow>(`
      SELECT a.attrelid::int AS attrelid, a.attnum::int AS attnum, a.attname::text AS attname,
        a.atttypid::int || ':' || a.atttypmod || ':' || a.attndims AS typ,
        a.attidentity::text || a.attgenerated::text || CASE WHEN a.attnotnull THEN 'n' ELSE '' END AS flags
      FROM pg_catalog.pg_attribute a
      JOIN rels r ON r.oid = a.attrelid
      WHERE a.attnum > 0 AND NOT a.attisdropped`),

    // Defaults (not generation expressions), deparsed once per distinct expression, ignoring parse locations, with
    // no relation context: a default cannot reference columns, and pg_get_expr with a relation costs ~50 µs a call.
    // `cols` lists the columns that share the expression as `attrelid:attnum,…`. A separate query so that it runs
    // beside the columns query.
    defaults: q<DefaultRow>(`,
      defs AS (
        SELECT d.adrelid, d.adnum, d.adbin, regexp_replace(d.adbin::text, ':location -?[0-9]+', '', 'g') AS k
        FROM pg_catalog.pg_attrdef d
        JOIN rels r ON r.oid = d.adrelid
        JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum AND a.attgenerated = ''
      ),
      grouped AS (SELECT k, string_agg(adrelid::int || ':' || adnum, ',') AS cols FROM defs GROUP BY k)
      SELECT pg_catalog.pg_get_expr(u.adbin, 0) AS expr, g.cols
      FROM grouped g JOIN (SELECT DISTINCT ON (k) k, adbin FROM defs) u ON u.k = g.k`),

    types: q<TypeRow>(`      SELECT t.oid::int AS oid, t.typname::text AS typname, n.nspname::text AS nspname, t.typtype::text AS typtype,
        t.typelem::int AS typelem, t.typbasetype::int AS typbasetype, t.typtypmod, t.typcategory::text AS typcategory,
        CASE WHEN t.typtype = 'e' THEN (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
          FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) END AS labels
      FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      WHERE (t.typtype <> 'c' AND t.typcategory <> 'A')
        OR t.oid IN (SELECT a.atttypid FROM pg_catalog.pg_attribute a JOIN rels r ON r.oid = a.attrelid WHERE a.attnum > 0)
        OR t.oid IN (SELECT b.typbasetype FROM pg_catalog.pg_type b WHERE b.typtype = 'd')`),

    descriptions: q<DescriptionRow>(`      SELECT d.objoid::int AS objoid, d.objsubid, 'class' AS kind, d.description
        FROM pg_catalog.pg_description d JOIN rels r ON r.oid = d.objoid
        WHERE d.classoid = 'pg_catalog.pg_class'::regclass
      UNION ALL
      SELECT d.objoid::int, d.objsubid, 'type', d.description
        FROM pg_catalog.pg_description d JOIN pg_catalog.pg_type t ON t.oid = d.objoid AND t.typtype = 'e'
        WHERE d.classoid = 'pg_catalog.pg_type'::regclass`),

    constraints: q<ConstraintRow>(`      SELECT c.conrelid::int AS conrelid, c.conname::text AS conname, c.contype::text AS contype,
        c.conkey::int[] AS conkey, c.confupdtype::text AS confupdtype, c.confdeltype::text AS confdeltype,
        fn.nspname::text AS fschema, fc.relname::text AS ftable,
        c.confrelid::int AS confrelid, c.confkey::int[] AS confkey,
        -- Target column names only for targets outside the selection; the others are named from the columns query.
        CASE WHEN c.contype = 'f' AND c.confrelid NOT IN (SELECT oid FROM rels) THEN (SELECT array_agg(fa.attname::text ORDER BY k.ord)
          FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_catalog.pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = k.attnum) END AS fcols
      FROM pg_catalog.pg_constraint c
      JOIN rels r ON r.oid = c.conrelid
      LEFT JOIN pg_catalog.pg_class fc ON fc.oid = c.confrelid
      LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
      WHERE c.contype IN ('p', 'u', 'f')`),

    indexes: q<IndexRow>(`      SELECT i.indrelid::int AS indrelid, ic.relname::text AS name, i.indisunique, i.indisprimary,
        i.indkey::text AS keys, i.indnkeyatts::int AS indnkeyatts, i.indpred IS NOT NULL AS partial, am.amname::text AS amname
      FROM pg_catalog.pg_index i
      JOIN rels r ON r.oid = i.indrelid
      JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_catalog.pg_am am ON am.oid = ic.relam`),
  }
}

/** `users`, `auth.*`, `*_log` → an anchored regular expression; `*` matches any run, `?` one character. */
export function globToRegex(glob: string): string {
  let out = '^'
  for (const ch of glob) {
    if (ch === '*') out += '.*'
    else if (ch === '?') out += '.'
    else out += /[\\^$.|+()[\]{}]/.test(ch) ? `\\${ch}` : ch
  }
  return `${out}$`
}

/** Splits globs into those matched against the bare name and those (containing a dot) against `schema.name`. */
export function splitGlobs(globs: readonly string[]): { bare: string[]; qualified: string[] } {
  return {
    bare: globs.filter((g) => !g.includes('.')).map(globToRegex),
    qualified: globs.filter((g) => g.includes('.')).map(globToRegex),
  }
}
