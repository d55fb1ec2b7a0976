/**
 * The TypeScript type dbgen emits for a column: looked up in the dialect's type table, never guessed.
 *
 * @example
 * tsTypeFor('postgres', 'int8', resolveTypeOptions({ bigint: 'bigint' })) // { select: 'bigint', insert: 'bigint | number | string' }
 * tsTypeFor('postgres', 'text', resolveTypeOptions({}), 1)                // { select: '(string | null)[]' }
 */
import type { DialectName } from './dialect-name.js'
import { MYSQL_TYPES } from './mysql-types.js'
import { PG_TYPES } from './pg-types.js'
import { arrayOf, type TsType } from './ts-type.js'
import type { ResolvedTypeOptions } from './type-options.js'

/** The dialects a schema is reflected from (PGlite is PostgreSQL). */
type SchemaDialect = Exclude<DialectName, 'pglite'>

/**
 * The TS type for a (normalized) database type, or `{ select: 'unknown' }` when the type is not mapped.
 * Never falls back to `string` silently: an unknown type is `unknown`. PostgreSQL array elements admit `null`.
 */
export function tsTypeFor(dialect: SchemaDialect, typeKey: string, options: ResolvedTypeOptions, arrayDims = 0): TsType {
  if (dialect === 'mysql') {
    const m = Object.hasOwn(MYSQL_TYPES, typeKey) ? MYSQL_TYPES[typeKey] : undefined
    return m ? arrayOf(m(options), arrayDims) : { select: 'unknown' }
  }
  const r = Object.hasOwn(PG_TYPES, typeKey) ? PG_TYPES[typeKey] : undefined
  if (!r || (arrayDims > 0 && r.arrays === 'unsupported')) return { select: 'unknown' }
  return arrayOf(r.ts(options), arrayDims, true)
}

/**
 * The TS type of an enum-typed column, given the enum's union type name: the union itself, in `arrayDims` array
 * levels (PostgreSQL: elements admit `null`); a MySQL SET is an array of the union on select, and on insert that
 * array (the runtime joins it) or its comma-separated text.
 */
export function enumTsType(dialect: SchemaDialect, typeKey: string, union: string, arrayDims: number): TsType {
  if (dialect === 'mysql' && typeKey === 'set') {
    return { select: arrayOf({ select: union }, 1).select, insert: `readonly ${arrayOf({ select: union }, 1).select} | string` }
  }
  return arrayOf({ select: union }, arrayDims, dialect === 'postgres')
}
