/**
 * How to reach the database: shared by `db` (src/create-db.ts) and the migrator (src/migrate.ts), so both use the
 * same URL and pool settings.
 */
import type { DbConfig } from 'dbscope'

export const connection = {
  url: process.env.DATABASE_URL,
  pool: { max: 10 },
} satisfies DbConfig
