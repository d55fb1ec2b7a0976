/**
 * How database values come back to JavaScript: the one contract that `dbgen`'s emitted types and the runtime's
 * driver parsers both follow, so a generated type never lies about a runtime value.
 *
 * @example
 * // dbgen.config.json: { "types": { "bigint": "bigint" } }  →  int8 columns typed `bigint`
 * // defineDb({ url, metadata })                              →  the runtime reads metadata.typeOptions and parses int8 as bigint
 */
export interface TypeOptions {
  /** int8 / BIGINT: `'string'` (default, lossless), `'bigint'`, or `'number'` (loses precision above 2^53). */
  readonly bigint?: 'string' | 'bigint' | 'number'
  /** numeric / DECIMAL: `'string'` (default, lossless) or `'number'`. */
  readonly decimal?: 'string' | 'number'
  /**
   * timestamp, timestamptz, DATETIME, TIMESTAMP: `'date'` (default, a JS `Date`) or `'string'` (the server's text).
   * PostgreSQL's `'infinity'` / `'-infinity'` come back as `new Date(8.64e15)` / `new Date(-8.64e15)`, the latest and
   * earliest instants a JS `Date` can hold, so comparisons keep their order; writing those two Dates stores ±infinity.
   */
  readonly dates?: 'date' | 'string'
  /**
   * DATE (a calendar day, no time of day): `'string'` (default, `'YYYY-MM-DD'` as the server writes it, the same day
   * in every process time zone) or `'date'` (a JS `Date` at UTC midnight of that day; read it with `getUTCDate()`,
   * not `getDate()`). PostgreSQL's ±infinity are the two Dates of `dates` in `'date'` mode, `'infinity'` /
   * `'-infinity'` in `'string'` mode.
   */
  readonly dateOnly?: 'string' | 'date'
  /** MySQL `tinyint(1)` as `boolean` (default `true`); `false` keeps it a `number`. */
  readonly tinyintAsBoolean?: boolean
}

/** The resolved options (every field present). */
export type ResolvedTypeOptions = Required<TypeOptions>

/** The defaults, spelled out. */
export const DEFAULT_TYPE_OPTIONS: ResolvedTypeOptions = Object.freeze({
  bigint: 'string',
  decimal: 'string',
  dates: 'date',
  dateOnly: 'string',
  tinyintAsBoolean: true,
})

/** Fills in the defaults. */
export function resolveTypeOptions(options: TypeOptions | undefined): ResolvedTypeOptions {
  return { ...DEFAULT_TYPE_OPTIONS, ...stripUndefined(options ?? {}) }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
