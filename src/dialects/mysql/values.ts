/**
 * How MySQL/MariaDB values become the JavaScript values dbgen types them as: mysql2's connection options, plus
 * per-result column converters for what those options cannot express.
 *
 * @example
 * const convert = mysqlColumnConverters({ bigint: 'bigint' })(fields) // Map of column → converter, or undefined
 */
import type { ConnectionOptions, FieldPacket } from 'mysql2'
import { ValueParseError } from '../../errors.js'
import { utcDay } from '../../types/date-values.js'
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
    // DATE always as its text: mysql2 would make it a Date at local midnight, another day east or west of UTC.
    dateStrings: o.dates === 'string' ? true : ['DATE'],
    // JSON as its text, parsed once by the converter: mysql2 3.24 parses MariaDB's JSON itself (older versions do
    // not), and inside the parse, with supportBigNumbers, it turns big integers into strings.
    jsonStrings: true,
  }
}

export type Convert = (value: unknown) => unknown
/** The columns of one result that need converting, by row key; undefined when none does. */
export type ColumnConverters = (fields: readonly FieldPacket[] | undefined) => Map<string, Convert> | undefined

const TINY = 1
const LONGLONG = 8
const DATE = 10
const JSON_TYPE = 245
/** mysql2's column flag for a SET column (the result's field list carries flags). */
const SET_FLAG = 2048

/**
 * The conversions mysql2's options cannot express, per result: tinyint(1) → boolean, BIGINT → bigint/number (it
 * arrives as a string), JSON (MySQL's type, or MariaDB's longtext with "json" extended metadata) → parsed once,
 * DATE → a Date at UTC midnight with `dateOnly: 'date'` (the zero date `'0000-00-00'` → an invalid Date), and SET
 * text (`'a,b'`) → an array (`['a', 'b']`), as dbgen types it. SET members cannot contain a comma (the server
 * rejects such a definition), so splitting on ',' is exact; '' is the empty set.
 */
export function mysqlColumnConverters(options: TypeOptions | undefined): ColumnConverters {
  const o = resolveTypeOptions(options)
  const toBoolean: Convert = (v) => (v === null ? null : Number(v) !== 0)
  const toBig: Convert | undefined =
    o.bigint === 'bigint' ? (v) => (v === null ? null : BigInt(v as string)) : o.bigint === 'number' ? (v) => (v === null ? null : Number(v)) : undefined
  const toJson: Convert = (v) => (typeof v === 'string' ? JSON.parse(v) : v)
  const toDay: Convert | undefined = o.dateOnly === 'date' ? (v) => (typeof v === 'string' ? utcDay(v) : v) : undefined
  const toSet: Convert = (v) => (typeof v === 'string' ? (v === '' ? [] : v.split(',')) : v)
  return (fields) => {
    let out: Map<string, Convert> | undefined
    if (!fields) return out
    for (const f of fields) {
      const field = f as FieldPacket & { columnType?: number; columnLength?: number; extendedFormat?: string; flags?: number }
      let convert: Convert | undefined
      if (field.columnType === TINY && field.columnLength === 1 && o.tinyintAsBoolean) convert = toBoolean
      else if (field.columnType === LONGLONG) convert = toBig
      else if (field.extendedFormat === 'json' || field.columnType === JSON_TYPE) convert = toJson
      else if (field.columnType === DATE) convert = toDay
      else if (((field.flags ?? 0) & SET_FLAG) !== 0) convert = toSet
      if (convert) (out ??= new Map()).set(field.name, convert)
      else out?.delete(field.name) // a later column of the same name wins in the row
    }
    return out
  }
}

/**
 * Applies a result's converters to its rows, in place. A converter that throws (JSON text that does not parse)
 * becomes a {@link ValueParseError} for the caller to reject the query with: a value must never crash the process.
 */
export function convertRows(rows: unknown[], converters: Map<string, Convert> | undefined): void {
  if (!converters) return
  for (const row of rows as Record<string, unknown>[]) {
    for (const [key, convert] of converters) {
      try {
        row[key] = convert(row[key])
      } catch (err) {
        throw new ValueParseError(key, err)
      }
    }
  }
}

/**
 * Converts the rows of a statement's result in place. A statement with several results (a `CALL` of a procedure that
 * selects, MariaDB's `BEGIN NOT ATOMIC … END`) answers with an array of them, rows and OK headers, and an array of
 * their fields (undefined for a header): each result set is converted with its own fields, and the shape is kept,
 * as Kysely's own MysqlDriver returns it.
 */
export function convertResult(result: unknown, fields: unknown, converters: ColumnConverters): void {
  if (!Array.isArray(result)) return
  const each = fields as readonly (readonly FieldPacket[] | FieldPacket | undefined)[] | undefined
  const first = each?.[0]
  // One result set: its fields are FieldPacket objects (a result without columns needs no conversion either way).
  if (first !== undefined && !Array.isArray(first)) {
    convertRows(result, converters(fields as readonly FieldPacket[] | undefined))
    return
  }
  result.forEach((r, i) => {
    const own = each?.[i]
    if (Array.isArray(r) && Array.isArray(own)) convertRows(r, converters(own))
  })
}
