/**
 * Calendar days and PostgreSQL's infinities as JS values, the same in every process time zone: the conversions that
 * the PostgreSQL and MySQL value parsers and the column writers share.
 *
 * @example
 * utcDay('2024-01-02')                          // Date 2024-01-02T00:00:00.000Z
 * dayText(new Date('2024-01-02T00:00:00.000Z')) // '2024-01-02'
 * infinityDate('infinity')                      // new Date(8.64e15)
 */

/** The latest instant a JS `Date` can hold (and its negative the earliest): PostgreSQL's `'infinity'` as a Date. */
export const INFINITY_MS = 8.64e15

/** `'infinity'` / `'-infinity'` as the latest / earliest Date, so that comparisons keep their order; else undefined. */
export function infinityDate(text: string): Date | undefined {
  if (text === 'infinity') return new Date(INFINITY_MS)
  if (text === '-infinity') return new Date(-INFINITY_MS)
  return undefined
}

/** The text PostgreSQL reads as ±infinity for one of the two {@link infinityDate} Dates; else undefined. */
export function infinityText(date: Date): 'infinity' | '-infinity' | undefined {
  const t = date.getTime()
  return t === INFINITY_MS ? 'infinity' : t === -INFINITY_MS ? '-infinity' : undefined
}

/**
 * A day as the server writes it (`'YYYY-MM-DD'`, PostgreSQL's `' BC'` suffix, its infinities) → a Date at UTC
 * midnight. A day that does not exist (MySQL's zero date `'0000-00-00'`) is an invalid Date.
 */
export function utcDay(text: string): Date {
  const inf = infinityDate(text)
  if (inf) return inf
  const m = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/.exec(text)
  if (!m) return new Date(Number.NaN)
  const year = m[4] ? 1 - Number(m[1]) : Number(m[1])
  const month = Number(m[2]) - 1
  const day = Number(m[3])
  const d = new Date(0)
  d.setUTCFullYear(year, month, day)
  return d.getUTCFullYear() === year && d.getUTCMonth() === month && d.getUTCDate() === day ? d : new Date(Number.NaN)
}

/** A Date's UTC day as `'YYYY-MM-DD'` (`' BC'` before year 1, PostgreSQL's style); the ±infinity Dates as their text. */
export function dayText(date: Date): string {
  const inf = infinityText(date)
  if (inf) return inf
  const y = date.getUTCFullYear()
  const pad = (n: number, w: number) => String(n).padStart(w, '0')
  const day = `${pad(y < 1 ? 1 - y : y, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`
  return y < 1 ? `${day} BC` : day
}

/** An ISO 8601 date-time with a zone (`Z` or `±hh:mm`), as `toISOString()` writes; MySQL rejects the zone. */
export const ISO_WITH_ZONE = /^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i

/**
 * A Date as node-postgres writes it: local time with the offset (`2024-01-02T03:04:05.000+09:00`, `' BC'` before
 * year 1), which a timestamp column stores as the local wall time and a timestamptz as the instant.
 */
export function localTimestampText(date: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0')
  const y = date.getFullYear()
  const offset = -date.getTimezoneOffset()
  const abs = Math.abs(offset)
  const text =
    `${pad(y < 1 ? 1 - y : y, 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  return y < 1 ? `${text} BC` : text
}
