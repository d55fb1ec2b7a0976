/**
 * Applies the migrations in ../migrations with Kysely's Migrator, on the same connection settings as `db`.
 * Run it with `npm run migrate` (to the latest) or `npm run migrate -- down` (one step back), then `npm run gen`.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { FileMigrationProvider, Migrator } from 'kysely'
import { defineDb } from 'dbscope'
import { connection } from './connection.js'

if (!process.env.DATABASE_URL) {
  try {
    process.loadEnvFile()
  } catch {
    // No .env here: DATABASE_URL must come from the environment, and defineDb says so if it is missing.
  }
}

const db = defineDb({ ...connection, url: process.env.DATABASE_URL })
const migrator = new Migrator({
  db: db.kysely,
  provider: new FileMigrationProvider({ fs, path, migrationFolder: fileURLToPath(new URL('../migrations', import.meta.url)) }),
})
const down = process.argv[2] === 'down'
try {
  const { error, results = [] } = down ? await migrator.migrateDown() : await migrator.migrateToLatest()
  for (const r of results) console.log(`migrate: ${r.status === 'Success' ? (r.direction === 'Up' ? 'applied' : 'reverted') : r.status.toLowerCase()} ${r.migrationName}`)
  if (error) {
    console.error('migrate: failed:', error instanceof Error ? error.message : error)
    process.exitCode = 1
  } else if (results.length === 0) console.log('migrate: already up to date')
  else if (!down) console.log('migrate: done. Next: npm run gen')
} finally {
  await db.dispose()
}
