/**
 * The TypeScript side of a column type, as text for the emitter: what selecting yields and what writing accepts.
 *
 * @example
 * arrayOf({ select: 'A | B' }, 2)       // { select: '(A | B)[][]' }
 * arrayOf({ select: 'string' }, 1, true) // { select: '(string | null)[]' }
 */

/** The TS types of a database type: what selecting it yields, and what inserting/updating accepts. */
export interface TsType {
  readonly select: string
  /** Omitted when it equals `select`. */
  readonly insert?: string
}

export const INT8_IN = 'bigint | number | string'
export const DECIMAL_IN = 'bigint | number | string'
export const DATE_IN = 'Date | string'
/** Any JSON value but a top-level null, which is SQL NULL (the emitted file declares these names). */
export const JSON_IN = 'JsonArray | JsonObject | boolean | number | string'
export const str: TsType = { select: 'string' }
export const num: TsType = { select: 'number' }
/** An integer column: both drivers send a bigint as its digits. */
export const int: TsType = { select: 'number', insert: 'bigint | number' }
/** Both drivers send any Uint8Array as bytes, not only a Buffer. */
export const buffer: TsType = { select: 'Buffer', insert: 'Buffer | Uint8Array' }

/**
 * Wraps an element type in `dims` array levels, e.g. `string` → `string[][]`, `A | B` → `(A | B)[]`. With
 * `nullElements` (PostgreSQL, whose arrays can hold NULL at every position) each element admits `null`.
 */
export function arrayOf(t: TsType, dims: number, nullElements = false): TsType {
  if (dims === 0) return t
  const wrap = (s: string) => {
    const el = nullElements ? `${s} | null` : s
    return (/^[\w$.]+$/.test(el) || isOneObjectType(el) ? el : `(${el})`) + '[]'.repeat(dims)
  }
  return t.insert === undefined ? { select: wrap(t.select) } : { select: wrap(t.select), insert: wrap(t.insert) }
}

/** `{ … }` whose first brace closes at the end: one object type, which `[]` can follow without parentheses. */
function isOneObjectType(s: string): boolean {
  if (!s.startsWith('{')) return false
  let depth = 0
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '{') depth++
    else if (s[i] === '}' && --depth === 0) return i === s.length - 1
  }
  return false
}
