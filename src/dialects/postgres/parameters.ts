/**
 * PostgreSQL's bind-parameter limit: its protocol counts a statement's parameters in 16 bits, so a statement with
 * more than 65,535 is refused before it is sent, with an error that says to batch, rather than left to the server,
 * which answers with a protocol error (08P01) that looks like a lost connection.
 *
 * @example
 * const refused = tooManyParameters(params)
 * if (refused) return Promise.reject(refused)
 */
import { TooManyParametersError } from '../../errors.js'

/** The most bind parameters one PostgreSQL statement can carry. */
export const MAX_BIND_PARAMETERS = 65_535

/** The error for a statement over the limit, or undefined. */
export function tooManyParameters(params: readonly unknown[]): TooManyParametersError | undefined {
  return params.length > MAX_BIND_PARAMETERS ? new TooManyParametersError(params.length, MAX_BIND_PARAMETERS) : undefined
}
