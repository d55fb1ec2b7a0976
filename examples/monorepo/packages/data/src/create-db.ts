/**
 * Defines this package's db with extra options, for a process that needs its own pool or guard settings.
 * Import it from `<package>/create-db` and do not also import `db` from the package root in that process: one URL
 * has one pool per process, so two different option sets for it are an error.
 *
 * @example
 * import { createDb } from '@acme/data/create-db'
 * const db = createDb({ guard: { budget: 'clamp', workers: 4 } })
 */
import { defineDb, type Db, type DbConfig } from 'dbscope'
import type { DB } from '../generated/db.js'
import { metadata } from '../generated/metadata.js'
import { connection } from './connection.js'

export function createDb(options: Omit<DbConfig, 'url' | 'metadata'> = {}): Db<DB> {
  return defineDb<DB>({ ...connection, ...options, metadata })
}
