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
  /** date, timestamp, timestamptz, DATETIME: `'date'` (default, a JS `Date`) or `'string'` (the server's text). */
  readonly dates?: 'date' | 'string'
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
  tinyintAsBoolean: true,
})

/** Fills in the defaults. */
export function resolveTypeOptions(options: TypeOptions | undefined): ResolvedTypeOptions {
  return { ...DEFAULT_TYPE_OPTIONS, ...stripUndefined(options ?? {}) }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
