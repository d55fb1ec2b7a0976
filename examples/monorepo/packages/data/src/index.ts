/**
 * The shared data package: `db` (one pool per process) and the types dbgen generated from the database.
 *
 * @example
 * import { db, type User } from '@acme/data'
 * const users: User[] = await db.scope((tx) => tx.selectFrom('users').selectAll().execute())
 */
import type { ScopeTransaction } from 'dbscope'
import type { DB } from '../generated/db.js'
import { createDb } from './create-db.js'

export * from '../generated/db.js'
export { metadata } from '../generated/metadata.js'
export { createDb }

/** The `tx` a `db.scope` callback receives, for helpers that take one. */
export type Tx = ScopeTransaction<DB>

/** The db every app imports: commit on success and rollback on throw with `db.scope`, `db.dispose()` on shutdown. */
export const db = createDb()
