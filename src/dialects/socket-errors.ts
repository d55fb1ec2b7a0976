/**
 * The Node.js socket error codes that mean a connection could not be made or was lost, whatever the driver: one list
 * for the PostgreSQL and MySQL classifiers and for dbgen's connect errors.
 *
 * @example
 * isSocketError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) // true
 */
export const SOCKET_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

/** Whether `err` carries one of the socket error codes. */
export function isSocketError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && SOCKET_ERROR_CODES.has(code)
}
