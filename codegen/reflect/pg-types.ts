/**
 * PostgreSQL type resolution in JS, from the `pg_type` rows read once: domains to their base type, arrays to their
 * element type and dimensions, enums noted, and the declared type's display name with its modifier
 * (`varchar` + 259 → `varchar(255)`) — so the catalog query calls no `format_type()` per column.
 *
 * @example
 * const resolver = new TypeResolver(typeById, 'public')
 * resolver.resolve('1043:259:0') // { dbType: 'varchar(255)', typeKey: 'varchar', arrayDims: 0, enumRef: null, domain: null }
 */
import type { ColumnModel } from '../model.js'
import type { TypeRow } from './postgres-queries.js'

/** What a column's declared type resolves to; shared by every column with the same (type, typmod, dims). */
export type ResolvedType = Pick<ColumnModel, 'dbType' | 'typeKey' | 'arrayDims' | 'enumRef' | 'domain'>

/** Resolves (and caches) column types against the reflected pg_type rows; records which enums are used. */
export class TypeResolver {
  readonly #cache = new Map<string, ResolvedType>()
  readonly #typeById: Map<number, TypeRow>
  readonly #defaultSchema: string
  readonly usedEnums = new Map<number, TypeRow>()

  constructor(typeById: Map<number, TypeRow>, defaultSchema: string) {
    this.#typeById = typeById
    this.#defaultSchema = defaultSchema
  }

  /** `key` is `atttypid:atttypmod:attndims`. */
  resolve(key: string): ResolvedType {
    let r = this.#cache.get(key)
    if (r === undefined) {
      const [oid, typmod, ndims] = key.split(':').map(Number) as [number, number, number]
      r = resolveType(oid, typmod, ndims, this.#typeById, this.usedEnums, this.#defaultSchema)
      this.#cache.set(key, r)
    }
    return r
  }
}

function resolveType(
  oid: number,
  atttypmod: number,
  attndims: number,
  typeById: Map<number, TypeRow>,
  usedEnums: Map<number, TypeRow>,
  defaultSchema: string,
): ResolvedType {
  const c = { atttypid: oid, atttypmod, attndims }
  const declared = typeById.get(c.atttypid)
  let cur = declared
  let dims = 0
  let typmod = c.atttypmod
  let domain: TypeRow | undefined
  for (let guard = 0; cur && guard < 32; guard++) {
    if (cur.typtype === 'd') {
      domain ??= cur
      if (typmod < 0) typmod = cur.typtypmod
      cur = typeById.get(cur.typbasetype)
    } else if (cur.typcategory === 'A' && cur.typelem !== 0) {
      dims += cur === declared ? Math.max(c.attndims, 1) : 1
      cur = typeById.get(cur.typelem)
    } else break
  }
  if (cur?.typtype === 'e') usedEnums.set(cur.oid, cur)
  return {
    dbType: declared ? displayName(declared, c.atttypmod, c.attndims, typeById, defaultSchema) : `oid:${c.atttypid}`,
    typeKey: cur?.typname ?? 'unknown',
    arrayDims: dims,
    enumRef: cur?.typtype === 'e' ? { schema: cur.nspname, name: cur.typname } : null,
    domain: domain ? { schema: domain.nspname, name: domain.typname } : null,
  }
}

function displayName(t: TypeRow, typmod: number, attndims: number, typeById: Map<number, TypeRow>, defaultSchema: string): string {
  const elem = t.typcategory === 'A' && t.typelem !== 0 ? typeById.get(t.typelem) : undefined
  const base = elem ?? t
  const qualify = base.nspname !== 'pg_catalog' && base.nspname !== defaultSchema ? `${base.nspname}.` : ''
  const dims = elem ? Math.max(attndims, 1) : 0
  return qualify + formatPgType(base.typname, typmod) + '[]'.repeat(dims)
}

/** Views (and materialized views): a column is non-null only when it plainly references a non-null base column. */

/** Formats a type name with its type modifier, e.g. `numeric` + 655366 → `numeric(10,2)`. */
export function formatPgType(typname: string, typmod: number): string {
  if (typmod < 0) return typname
  switch (typname) {
    case 'varchar':
    case 'bpchar':
      return `${typname}(${typmod - 4})`
    case 'bit':
    case 'varbit':
      return `${typname}(${typmod})`
    case 'numeric': {
      const m = typmod - 4
      return `numeric(${(m >> 16) & 0xffff},${((m & 0x7ff) ^ 1024) - 1024})`
    }
    case 'time':
    case 'timetz':
    case 'timestamp':
    case 'timestamptz':
      return `${typname}(${typmod})`
    case 'interval': {
      const precision = typmod & 0xffff
      return precision === 0xffff ? typname : `${typname}(${precision})`
    }
    default:
      return typname
  }
}
