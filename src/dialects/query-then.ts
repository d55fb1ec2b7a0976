/**
 * A statement and then the statements that set a scope's settings back after it, sent one at a time: for a
 * connection that cannot write them together (see RawConnection.queryThen). It settles with the first statement's
 * own outcome; one of the others that fails is reported to `failed` (the connection is then closed) and ends them.
 *
 * @example
 * await queryThenInTurn((s) => raw.query(s.sql, s.parameters), { sql: 'COMMIT', parameters: [] }, resets, markBroken)
 */
import type { QueryResult } from 'kysely'
import type { Statement } from './dialect.js'

export async function queryThenInTurn<R>(
  run: (s: Statement) => Promise<QueryResult<unknown>>,
  first: Statement,
  after: readonly Statement[],
  failed: (err: unknown) => void,
): Promise<QueryResult<R>> {
  const outcome = await run(first).then(
    (result) => ({ result: result as QueryResult<R> }),
    (err: unknown) => ({ err }),
  )
  for (const s of after) {
    try {
      await run(s)
    } catch (err) {
      failed(err)
      break
    }
  }
  if ('err' in outcome) throw outcome.err
  return outcome.result
}
