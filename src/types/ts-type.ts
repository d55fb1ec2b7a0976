/**
 * The TypeScript side of a column type, as text for the emitter: what selecting yields and what writing accepts.
 *
 * @example
 * arrayOf({ select: 'A | B' }, 2) // { select: '(A | B)[][]' }
 */

/** The TS types of a database type: what selecting it yields, and what inserting/updating accepts. */
export interface TsType {
  readonly select: string
  /** Omitted when it equals `select`. */
  readonly insert?: string
}

export const INT8_IN = 'bigint | number | string'
export const DATE_IN = 'Date | string'
export const str: TsType = { select: 'string' }
export const num: TsType = { select: 'number' }
export const buffer: TsType = { select: 'Buffer' }

/** Wraps an element type in `dims` array levels, e.g. `string` → `string[][]`, `A | B` → `(A | B)[]`. */
export function arrayOf(t: TsType, dims: number): TsType {
  if (dims === 0) return t
  const wrap = (s: string) => (/^[\w$.]+$/.test(s) || s.startsWith('{') ? s : `(${s})`) + '[]'.repeat(dims)
  return t.insert === undefined ? { select: wrap(t.select) } : { select: wrap(t.select), insert: wrap(t.insert) }
}
