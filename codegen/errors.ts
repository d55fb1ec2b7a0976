/**
 * dbgen's expected failures: each has a stable `code` and a message that says what to do next. The CLI prints the
 * message without a stack trace and exits 2.
 *
 * @example
 * throw new DbgenError('DBGEN_UNKNOWN_SCHEMA', 'Schema "nope" does not exist. Schemas: public, auth.')
 */

/** The stable codes; tests and callers can switch on them. */
export type DbgenErrorCode =
  | 'DBGEN_USAGE'
  | 'DBGEN_CONFIG'
  | 'DBGEN_NO_URL'
  | 'DBGEN_CONNECT'
  | 'DBGEN_AUTH'
  | 'DBGEN_UNKNOWN_SCHEMA'
  | 'DBGEN_UNSUPPORTED_DIALECT'
  | 'DBGEN_FROM_SQL'
  | 'DBGEN_NAME_COLLISION'
  | 'DBGEN_QUERY'

/** An expected dbgen failure. */
export class DbgenError extends Error {
  readonly code: DbgenErrorCode

  constructor(code: DbgenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DbgenError'
    this.code = code
  }
}

/** Replaces a URL's password with `***` (the runtime's own redaction, shared). */
export { redactUrl } from '../src/redact.js'
