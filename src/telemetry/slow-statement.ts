/**
 * The warning for a statement slower than `slowStatementMs`: its parameterized SQL (never the values), how long it
 * took, and where its scope began (the application's frames of the scope's origin, when the leak watch captured it).
 *
 * @example
 * slowStatementMessage('SELECT * FROM orders WHERE id = $1', 812.4, 500, checkout.origin)
 */
import type { Origin } from '../checkout.js'
import { callerFrames } from '../guard.js'

/** Longest SQL quoted in the warning. */
const MAX_SQL = 500
/** Frames of the scope's origin quoted. */
const MAX_FRAMES = 3

export function slowStatementMessage(sql: string, ms: number, limitMs: number, origin: Origin | undefined): string {
  const text = sql.length > MAX_SQL ? `${sql.slice(0, MAX_SQL)}…` : sql
  const scope = origin?.scope ? ` in the scope ${origin.scope}` : ''
  const where = origin?.stack ? `, begun at:\n${callerFrames(origin.stack, MAX_FRAMES)}` : origin?.scope ? '' : ' (a single db.kysely statement)'
  return `A statement took ${Math.round(ms)} ms (slowStatementMs ${limitMs})${scope}${where}\nStatement: ${text}`
}
