/**
 * Reflects a PostgreSQL (or PGlite) database into a {@link SchemaModel} through a Kysely instance (or any
 * {@link SqlExecutor}), with a fixed number of catalog queries (eight) whatever the number of tables.
 *
 * @example
 * const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) })
 * const model = await reflectPostgres(db, { schemas: ['public', 'auth'], exclude: ['*_old'] })
 */
import type { Kysely } from 'kysely'
import { toExecutor, type SqlExecutor } from './executor.js'
import { groupBy } from './group-by.js'
import { DbgenError } from '../errors.js'
import {
  compareQualified,
  compareText,
  type ColumnModel,
  type EnumModel,
  type ForeignKeyAction,
  type IndexModel,
  type KeyModel,
  type ForeignKeyModel,
  type RelationKind,
  type RelationModel,
  type SchemaModel,
} from '../model.js'
import { viewColumnSources } from './pg-node-tree.js'
import { pgCatalogQueries, splitGlobs, type CatalogQuery, type ColumnRow, type ConstraintRow, type RelationRow, type TypeRow } from './postgres-queries.js'
import { TypeResolver } from './pg-types.js'

/** What to reflect. */
export interface PgReflectOptions {
  /** Schemas to read (default `['public']`). */
  readonly schemas?: readonly string[]
  /** Globs over `name` or `schema.name` (with a dot); when given, only matching relations are read. */
  readonly include?: readonly string[]
  /** Globs over `name` or `schema.name`; matching relations are skipped. */
  readonly exclude?: readonly string[]
  /** Also reflect partitions of partitioned tables (default false). */
  readonly partitions?: boolean
  /** The schema addressed without a prefix (default `public`). */
  readonly defaultSchema?: string
}

const KINDS: Record<string, RelationKind> = {
  r: 'table',
  v: 'view',
  m: 'materialized_view',
  p: 'partitioned_table',
  f: 'foreign_table',
}

const ACTIONS: Record<string, ForeignKeyAction> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
}

/** Reads the catalog and builds the model. Throws `DBGEN_UNKNOWN_SCHEMA` for a schema that does not exist. */
export async function reflectPostgres(db: Kysely<any> | SqlExecutor, options: PgReflectOptions = {}): Promise<SchemaModel> {
  const exec = toExecutor(db)
  const run = <R>(query: CatalogQuery<R>) => exec.query<R>(query.text, query.params)
  const schemas = [...new Set(options.schemas ?? ['public'])].sort(compareText)
  const inc = splitGlobs(options.include ?? [])
  const exc = splitGlobs(options.exclude ?? [])
  const q = pgCatalogQueries({
    schemas,
    includeBare: inc.bare,
    includeQualified: inc.qualified,
    excludeBare: exc.bare,
    excludeQualified: exc.qualified,
    partitions: options.partitions ?? false,
  })
  // The columns query is by far the slowest: start it first so the others run beside it on a pool. Constraints and
  // indexes are read last and awaited only once the columns are built, so that building overlaps them.
  const firstWave = Promise.all([run(q.columns), run(q.defaults), run(q.relations), run(q.types), run(q.schemas), run(q.descriptions)])
  const keysWave = Promise.all([run(q.constraints), run(q.indexes)])
  keysWave.catch(() => undefined) // awaited below; this only keeps an early failure from counting as unhandled
  const [columns, defaults, relations, types, existing, descriptions] = await firstWave
  const known = new Set(existing.map((r) => r.nspname))
  const missing = schemas.filter((s) => !known.has(s))
  if (missing.length > 0) {
    throw new DbgenError(
      'DBGEN_UNKNOWN_SCHEMA',
      `Schema${missing.length > 1 ? 's' : ''} ${missing.map((s) => JSON.stringify(s)).join(', ')} not found. ` +
        `Schemas in this database: ${[...known].join(', ') || '(none)'}. Fix --schema or the "schemas" config.`,
    )
  }
  const defaultSchema = options.defaultSchema ?? 'public'
  const typeById = new Map(types.map((t) => [t.oid, t]))
  const defaultOf = new Map<string, string>()
  for (const d of defaults) for (const col of d.cols.split(',')) defaultOf.set(col, d.expr)
  const comments = new Map(descriptions.map((d) => [`${d.kind}:${d.objoid}:${d.objsubid}`, d.description]))
  const commented = new Set(descriptions.filter((d) => d.kind === 'class' && d.objsubid > 0).map((d) => d.objoid))
  const columnsByRel = groupBy(columns, (c) => c.attrelid)
  const resolver = new TypeResolver(typeById, defaultSchema)
  const usedEnums = resolver.usedEnums

  const built = new Map<number, BuiltRelation>()
  for (const rel of relations) {
    const cols = (columnsByRel.get(rel.oid) ?? []).sort((a, b) => a.attnum - b.attnum)
    built.set(rel.oid, {
      row: rel,
      attnums: cols.map((c) => c.attnum),
      columns: cols.map((c, i) =>
        buildColumn(
          c,
          i + 1,
          resolver,
          defaultOf.get(`${rel.oid}:${c.attnum}`) ?? null,
          commented.has(rel.oid) ? (comments.get(`class:${rel.oid}:${c.attnum}`) ?? null) : null,
        ),
      ),
    })
  }
  inferViewNullability(built)

  const [constraints, indexes] = await keysWave
  const consByRel = groupBy(constraints, (c) => c.conrelid)
  const idxByRel = groupBy(indexes, (i) => i.indrelid)
  const targetNames = (c: ConstraintRow): string[] => {
    if (c.fcols) return c.fcols
    const target = new Map((columnsByRel.get(c.confrelid) ?? []).map((t) => [t.attnum, t.attname]))
    return (c.confkey ?? []).map((n) => target.get(n) ?? `#${n}`)
  }
  const out: RelationModel[] = []
  for (const [oid, { row, columns: cols }] of built) {
    const nameOf = new Map((columnsByRel.get(oid) ?? []).map((c) => [c.attnum, c.attname]))
    const names = (nums: readonly number[] | null) => (nums ?? []).map((n) => nameOf.get(n) ?? `#${n}`)
    const cons = (consByRel.get(oid) ?? []).sort((a, b) => compareText(a.conname, b.conname))
    const pk = cons.find((c) => c.contype === 'p')
    out.push({
      schema: row.nspname,
      name: row.relname,
      kind: KINDS[row.relkind] ?? 'table',
      comment: comments.get(`class:${oid}:0`) ?? null,
      columns: cols,
      primaryKey: pk ? { name: pk.conname, columns: names(pk.conkey) } : null,
      uniques: cons.filter((c) => c.contype === 'u').map((c): KeyModel => ({ name: c.conname, columns: names(c.conkey) })),
      foreignKeys: cons.filter((c) => c.contype === 'f').map((c) => foreignKey(c, names, targetNames(c))),
      indexes: (idxByRel.get(oid) ?? [])
        .map((i): IndexModel => ({
          name: i.name,
          columns: i.keys
            .split(' ')
            .slice(0, i.indnkeyatts)
            .map((k) => (k === '0' ? null : (nameOf.get(Number(k)) ?? null))),
          unique: i.indisunique,
          primary: i.indisprimary,
          partial: i.partial,
          method: i.amname,
        }))
        .sort((a, b) => compareText(a.name, b.name)),
      partitionOf: row.parent_schema !== null && row.parent_name !== null ? { schema: row.parent_schema, name: row.parent_name } : null,
    })
  }
  for (const t of types) if (t.typtype === 'e' && schemas.includes(t.nspname)) usedEnums.set(t.oid, t)
  const enums: EnumModel[] = [...usedEnums.values()]
    .map((t) => ({ schema: t.nspname, name: t.typname, values: t.labels ?? [], comment: comments.get(`type:${t.oid}:0`) ?? null }))
    .sort(compareQualified)
  return { dialect: 'postgres', schemas, defaultSchema, relations: out.sort(compareQualified), enums }
}

function foreignKey(c: ConstraintRow, names: (nums: readonly number[] | null) => string[], targetColumns: string[]): ForeignKeyModel {
  return {
    name: c.conname,
    columns: names(c.conkey),
    references: { schema: c.fschema ?? '', name: c.ftable ?? '', columns: targetColumns },
    onDelete: ACTIONS[c.confdeltype] ?? 'no action',
    onUpdate: ACTIONS[c.confupdtype] ?? 'no action',
  }
}

function buildColumn(
  c: ColumnRow,
  ordinal: number,
  types: TypeResolver,
  def: string | null,
  comment: string | null,
): ColumnModel {
  const t = types.resolve(c.typ)
  const f = c.flags
  return {
    name: c.attname,
    ordinal,
    dbType: t.dbType,
    typeKey: t.typeKey,
    arrayDims: t.arrayDims,
    nullable: !f.includes('n'),
    default: def,
    identity: f.includes('a') ? 'always' : f.includes('d') ? 'by-default' : null,
    autoIncrement: def !== null && def.startsWith('nextval('),
    generated: f.includes('s') ? 'stored' : f.includes('v') ? 'virtual' : null,
    enumRef: t.enumRef,
    domain: t.domain,
    unsigned: false,
    comment,
  }
}

interface BuiltRelation {
  readonly row: RelationRow
  /** Catalog attnum of each column (dropped columns leave gaps), parallel to `columns`. */
  readonly attnums: number[]
  columns: ColumnModel[]
}

function inferViewNullability(built: Map<number, BuiltRelation>): void {
  const done = new Set<number>()
  const visit = (oid: number, depth: number): void => {
    const rel = built.get(oid)
    if (!rel || done.has(oid) || depth > 32) return
    done.add(oid)
    if (rel.row.ev_action === null) return
    const sources = viewColumnSources(rel.row.ev_action)
    rel.columns = rel.columns.map((col, i) => {
      const src = sources[(rel.attnums[i] ?? 0) - 1]
      if (!src) return col.nullable ? col : { ...col, nullable: true }
      visit(src.relid, depth + 1)
      const baseRel = built.get(src.relid)
      const base = baseRel?.columns[baseRel.attnums.indexOf(src.attnum)]
      return { ...col, nullable: base ? base.nullable : true }
    })
  }
  for (const oid of built.keys()) visit(oid, 0)
}
