/**
 * How MySQL/MariaDB values become the JavaScript values dbgen types them as: mysql2's connection options, plus
 * per-result column converters for what those options cannot express.
 *
 * @example
 * const convert = mysqlColumnConverters({ bigint: 'bigint' })(fields) // Map of column → converter, or undefined
 */
import type { ConnectionOptions, FieldPacket } from 'mysql2'
import { resolveTypeOptions, type TypeOptions } from '../../types/type-options.js'

/** mysql2 connection options that make values match the types dbgen emits for these TypeOptions. */
export function mysqlTypeOptions(options: TypeOptions | undefined): Partial<ConnectionOptions> {
  const o = resolveTypeOptions(options)
  // No typeCast option: with one, mysql2 builds a wrapper object per column per row. What these options cannot
  // express is converted afterwards by mysqlColumnConverters, only for the columns that need it.
  return {
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: o.decimal === 'number',
    dateStrings: o.dates === 'string',
  }
}

export type Convert = (value: unknown) => unknown
/** The columns of one result that need converting, by row key; undefined when none does. */
export type ColumnConverters = (fields: readonly FieldPacket[] | undefined) => Map<string, Convert> | undefined

const TINY = 1
const LONGLONG = 8
/** mysql2's column flag for a SET column (the result's field list carries flags). */
const SET_FLAG = 2048

/**
 * The conversions mysql2's options cannot express, per result: tinyint(1) → boolean, BIGINT → bigint/number (it
 * arrives as a string), MariaDB's json (longtext with "json" extended metadata) → parsed, and SET text (`'a,b'`) →
 * an array (`['a', 'b']`), as dbgen types it. SET members cannot contain a comma (the server rejects such a
 * definition), so splitting on ',' is exact; '' is the empty set.
 */
export function mysqlColumnConverters(options: TypeOptions | undefined): ColumnConverters {
  const o = resolveTypeOptions(options)
  const toBoolean: Convert = (v) => (v === null ? null : Number(v) !== 0)
  const toBig: Convert | undefined =
    o.bigint === 'bigint' ? (v) => (v === null ? null : BigInt(v as string)) : o.bigint === 'number' ? (v) => (v === null ? null : Number(v)) : undefined
  const toJson: Convert = (v) => (typeof v === 'string' ? JSON.parse(v) : v)
  const toSet: Convert = (v) => (typeof v === 'string' ? (v === '' ? [] : v.split(',')) : v)
  return (fields) => {
    let out: Map<string, Convert> | undefined
    if (!fields) return out
    for (const f of fields) {
      const field = f as FieldPacket & { columnType?: number; columnLength?: number; extendedFormat?: string; flags?: number }
      let convert: Convert | undefined
      if (field.columnType === TINY && field.columnLength === 1 && o.tinyintAsBoolean) convert = toBoolean
      else if (field.columnType === LONGLONG) convert = toBig
      else if (field.extendedFormat === 'json') convert = toJson
      else if (((field.flags ?? 0) & SET_FLAG) !== 0) convert = toSet
      if (convert) (out ??= new Map()).set(field.name, convert)
      else out?.delete(field.name) // a later column of the same name wins in the row
    }
    return out
  }
}

/** Applies a result's converters to its rows, in place. */
export function convertRows(rows: unknown[], converters: Map<string, Convert> | undefined): void {
  if (!converters) return
  for (const row of rows as Record<string, unknown>[]) for (const [key, convert] of converters) row[key] = convert(row[key])
}
