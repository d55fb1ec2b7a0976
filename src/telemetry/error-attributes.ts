/**
 * A failed statement's attributes by the conventions: `db.response.status_code` (PostgreSQL SQLSTATE, MySQL errno)
 * when the server answered with one, and `error.type`: that code, else dbscope's error code, else the class name.
 * Never the message, which can quote values.
 *
 * @example
 * errorAttributes(uniqueViolation) // { 'db.response.status_code': '23505', 'error.type': '23505' }
 */
import type { Attributes } from './otel-api.js'

export function errorAttributes(err: unknown): Attributes {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { sqlState?: unknown; errno?: unknown; code?: unknown }
  const status = typeof e.sqlState === 'string' ? e.sqlState : typeof e.errno === 'number' ? String(e.errno) : undefined
  if (status !== undefined) return { 'db.response.status_code': status, 'error.type': status }
  if (typeof e.code === 'string') return { 'error.type': e.code }
  return { 'error.type': err instanceof Error ? err.constructor.name : '_OTHER' }
}
