/**
 * What the runtime does to a value written to a column before the driver sends it, so that every value the emitted
 * insert type admits is stored as itself: the write half of the type contract, chosen per column from the generated
 * metadata (the engine's Kysely plugin applies it to inserts, updates and upserts: `engine/column-writes.ts`).
 *
 * @example
 * const write = columnWriter('postgres', { dbType: 'jsonb' }, resolveTypeOptions({}))
 * write?.('hello') // '"hello"': a string is a JSON string
 */
import { dayText, infinityText, ISO_WITH_ZONE, localTimestampText } from './date-values.js'
import type { DbgenMetadataColumn } from './metadata.js'
import { PG_TYPES } from './pg-types.js'
import type { ResolvedTypeOptions } from './type-options.js'

/** Turns a value as the emitted insert type admits it into one the driver sends as the column expects. */
export type ColumnWriter = (value: unknown) => unknown

/**
 * A JSON value as its JSON text: node-postgres would send an array as a PostgreSQL array and a string as raw text,
 * mysql2 would expand an object or array into SQL. A top-level null stays SQL NULL.
 */
const jsonText: ColumnWriter = (v) => (v === null ? null : JSON.stringify(v))

const isDate = (v: unknown): v is Date => v instanceof Date

/** PostgreSQL: the ±infinity Dates (see `infinityDate`) as `'infinity'` / `'-infinity'`; other values as they are. */
const timestampText: ColumnWriter = (v) => (isDate(v) ? (infinityText(v) ?? v) : v)

/** A Date at UTC midnight → its UTC day, whatever the process time zone (the driver would write its local day). */
const dayOfDate: ColumnWriter = (v) => (isDate(v) ? dayText(v) : v)

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !isDate(v) && !Array.isArray(v)

/** PostgreSQL `point` as `(x,y)` (node-postgres would send the object as JSON). */
const pointText: ColumnWriter = (v) => (isObject(v) ? `(${Number(v.x)},${Number(v.y)})` : v)
/** PostgreSQL `circle` as `<(x,y),r>`. */
const circleText: ColumnWriter = (v) => (isObject(v) ? `<(${Number(v.x)},${Number(v.y)}),${Number(v.radius)}>` : v)

/** MySQL DATE: a date-time with a zone → the day as written (what PostgreSQL's date input does). */
const mysqlDay =
  (dates: boolean): ColumnWriter =>
  (v) => {
    if (typeof v === 'string') return ISO_WITH_ZONE.exec(v)?.[1] ?? v
    return dates ? dayOfDate(v) : v
  }
/** MySQL DATETIME / TIMESTAMP: a date-time with a zone → the instant it names, which mysql2 writes as it reads. */
const mysqlInstant: ColumnWriter = (v) => (typeof v === 'string' && ISO_WITH_ZONE.test(v) ? new Date(v) : v)
/** MySQL SET: the array of members select returns → the comma-separated text the server reads. */
const setText: ColumnWriter = (v) => (Array.isArray(v) ? v.join(',') : v)

/** Applies `write` to each element `dims` array levels down (PostgreSQL arrays); null elements stay null. */
function eachElement(dims: number, write: ColumnWriter): ColumnWriter {
  const at = (v: unknown, depth: number): unknown => {
    if (v === null || v === undefined) return v
    if (depth === 0) return write(v)
    return Array.isArray(v) ? v.map((e) => at(e, depth - 1)) : v
  }
  return (v) => at(v, dims)
}

/** One element of a PostgreSQL array literal, as the text its type reads (after the element's own writer). */
function elementText(v: unknown): string {
  if (isDate(v)) return infinityText(v) ?? localTimestampText(v)
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return `\\x${Buffer.from(v).toString('hex')}`
  if (typeof v === 'object' && v !== null) return JSON.stringify(v)
  return String(v)
}

/**
 * A PostgreSQL array as its literal text (`{"a",NULL,"b"}`), for arrays whose type is per database (enums, domains,
 * extension types): PGlite sends a JS array for a parameter of such a type as `String(array)`, which the server
 * rejects. node-postgres takes the text as it is.
 */
function arrayLiteral(dims: number, write: ColumnWriter | undefined): ColumnWriter {
  const literal = (v: unknown[], depth: number): string =>
    `{${v
      .map((e) => {
        if (e === null || e === undefined) return 'NULL'
        if (depth > 1 && Array.isArray(e)) return literal(e, depth - 1)
        return `"${elementText(write ? write(e) : e).replace(/[\\"]/g, (c) => `\\${c}`)}"`
      })
      .join(',')}}`
  return (v) => (Array.isArray(v) ? literal(v, dims) : v)
}

/**
 * A Date or bytes written to a domain column, as the text of its base type: PGlite knows a parameter's type only by
 * OID, and sends a Date or a Uint8Array for a domain's OID as `String(value)`.
 */
function domainValue(write: ColumnWriter | undefined): ColumnWriter {
  return (v) => {
    const w = write ? write(v) : v
    return isDate(w) || w instanceof Uint8Array ? elementText(w) : w
  }
}

function pgWriter(typeKey: string, options: ResolvedTypeOptions): ColumnWriter | undefined {
  switch (typeKey) {
    case 'json':
    case 'jsonb':
      return jsonText
    case 'date':
      return options.dateOnly === 'date' ? dayOfDate : undefined
    case 'timestamp':
    case 'timestamptz':
      return timestampText
    case 'point':
      return pointText
    case 'circle':
      return circleText
    default:
      return undefined
  }
}

function mysqlWriter(typeKey: string, options: ResolvedTypeOptions): ColumnWriter | undefined {
  switch (typeKey) {
    case 'json':
      return jsonText
    case 'date':
      return mysqlDay(options.dateOnly === 'date')
    case 'datetime':
    case 'timestamp':
      return mysqlInstant
    case 'set':
      return setText
    default:
      return undefined
  }
}

/** The writer for a column of the generated metadata, or undefined when its values go to the driver as they are. */
export function columnWriter(
  dialect: 'postgres' | 'mysql',
  column: Pick<DbgenMetadataColumn, 'dbType' | 'typeKey' | 'arrayDims' | 'enum' | 'domain'>,
  options: ResolvedTypeOptions,
): ColumnWriter | undefined {
  const typeKey = column.typeKey ?? column.dbType
  if (dialect === 'mysql') return mysqlWriter(typeKey, options)
  const write = column.enum === undefined ? pgWriter(typeKey, options) : undefined
  if (!column.arrayDims) return column.domain !== undefined && column.enum === undefined ? domainValue(write) : write
  const perDatabase = column.enum !== undefined || column.domain !== undefined || PG_TYPES[typeKey]?.arrays === 'lookup'
  if (perDatabase) return arrayLiteral(column.arrayDims, write)
  return write ? eachElement(column.arrayDims, write) : undefined
}
