/**
 * The users repository, written once against `db.current`: inside a request's `db.scope` it runs in that scope's
 * transaction (it sees the request's uncommitted writes, and rolls back with them); outside any scope (an
 * afterCommit hook, a script) it runs on the pool. No `tx` to pass along.
 *
 * @example
 * const user = await findUser(1)
 */
import { db } from '@acme/data'

export const findUser = (id: number) =>
  db.current.selectFrom('users').select(['id', 'email', 'display_name', 'created_at']).where('id', '=', id).executeTakeFirst()
