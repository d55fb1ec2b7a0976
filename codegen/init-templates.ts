/**
 * The files `dbgen init` writes, as text: a shared data package that owns the migrations, the generated types and
 * the configured `db`. Pure functions of the options, so tests and the CLI see the same output.
 *
 * @example
 * const files = scaffoldFiles({ name: '@acme/data', dialect: 'postgres', versions })
 * files['package.json'] // '{ "name": "@acme/data", … }'
 */

/** What the templates depend on. */
export interface ScaffoldOptions {
  readonly name: string
  readonly dialect: 'postgres' | 'mysql'
  /** Version ranges for the scaffold's dependencies, taken from dbscope's own package.json. */
  readonly versions: {
    readonly dbscope: string
    readonly kysely: string
    readonly typescript: string
    readonly tsx: string
    readonly typesNode: string
    /** The driver of each dialect (optional peers of dbscope: the data package installs its own). */
    readonly pg: string
    readonly mysql2: string
  }
}

const EXAMPLE_URL = {
  postgres: 'postgres://app@127.0.0.1:5432/app',
  mysql: 'mysql://app@127.0.0.1:3306/app',
} as const

/** Every scaffold file by its path relative to the package directory, in the order they are reported. */
export function scaffoldFiles(o: ScaffoldOptions): Record<string, string> {
  return {
    'package.json': packageJson(o),
    'dbgen.config.json': json({ out: 'generated', exclude: ['kysely_migration', 'kysely_migration_lock'] }),
    'tsconfig.json': tsconfigJson(),
    'src/connection.ts': CONNECTION_TS,
    'src/create-db.ts': CREATE_DB_TS,
    'src/index.ts': INDEX_TS,
    'src/migrate.ts': MIGRATE_TS,
    'migrations/0001_init.ts': initMigration(o.dialect),
    'README.md': readme(o),
    '.env.example': `# Read by \`npm run migrate\` and \`npm run gen\` when DATABASE_URL is not set in the environment.\nDATABASE_URL=${EXAMPLE_URL[o.dialect]}\n`,
    '.gitignore': 'node_modules/\ndist/\n.env\n',
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

function packageJson(o: ScaffoldOptions): string {
  return json({
    name: o.name,
    version: '0.1.0',
    private: true,
    description: 'The shared data package: migrations, the types dbgen generates from the database, and the configured db.',
    type: 'module',
    exports: {
      '.': { types: './dist/src/index.d.ts', default: './dist/src/index.js' },
      './create-db': { types: './dist/src/create-db.d.ts', default: './dist/src/create-db.js' },
    },
    scripts: {
      migrate: 'tsx src/migrate.ts',
      gen: 'dbgen',
      'gen:check': 'dbgen --check',
      build: 'tsc -p .',
      typecheck: 'tsc -p . --noEmit',
    },
    dependencies:
      o.dialect === 'mysql'
        ? { dbscope: o.versions.dbscope, kysely: o.versions.kysely, mysql2: o.versions.mysql2 }
        : { dbscope: o.versions.dbscope, kysely: o.versions.kysely, pg: o.versions.pg },
    devDependencies: { '@types/node': o.versions.typesNode, tsx: o.versions.tsx, typescript: o.versions.typescript },
  })
}

function tsconfigJson(): string {
  return json({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      types: ['node'],
      strict: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      declaration: true,
      rootDir: '.',
      outDir: 'dist',
    },
    include: ['src', 'migrations', 'generated'],
  })
}

const CONNECTION_TS = `/**
 * How to reach the database: shared by \`db\` (src/create-db.ts) and the migrator (src/migrate.ts), so both use the
 * same URL and pool settings.
 */
import type { DbConfig } from 'dbscope'

export const connection = {
  url: process.env.DATABASE_URL,
  pool: { max: 10 },
} satisfies DbConfig
`

const CREATE_DB_TS = `/**
 * Defines this package's db with extra options, for a process that needs its own pool or guard settings.
 * Import it from \`<package>/create-db\` and do not also import \`db\` from the package root in that process: one URL
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
`

const INDEX_TS = `/**
 * The shared data package: \`db\` (one pool per process) and the types dbgen generated from the database.
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

/** The \`tx\` a \`db.scope\` callback receives, for helpers that take one. */
export type Tx = ScopeTransaction<DB>

/** The db every app imports: commit on success and rollback on throw with \`db.scope\`, \`db.dispose()\` on shutdown. */
export const db = createDb()
`

const MIGRATE_TS = `/**
 * Applies the migrations in ../migrations with Kysely's Migrator, on the same connection settings as \`db\`.
 * Run it with \`npm run migrate\` (to the latest) or \`npm run migrate -- down\` (one step back), then \`npm run gen\`.
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
  for (const r of results) console.log(\`migrate: \${r.status === 'Success' ? (r.direction === 'Up' ? 'applied' : 'reverted') : r.status.toLowerCase()} \${r.migrationName}\`)
  if (error) {
    console.error('migrate: failed:', error instanceof Error ? error.message : error)
    process.exitCode = 1
  } else if (results.length === 0) console.log('migrate: already up to date')
  else if (!down) console.log('migrate: done. Next: npm run gen')
} finally {
  await db.dispose()
}
`

/** Column types and defaults that differ between the dialects' first migrations. */
const INIT_COLUMNS = {
  postgres: { id: 'c.primaryKey().generatedAlwaysAsIdentity()', text: 'text', timestamp: 'timestamptz', now: 'now()' },
  mysql: { id: 'c.primaryKey().autoIncrement()', text: 'varchar(255)', timestamp: 'timestamp', now: 'CURRENT_TIMESTAMP' },
} as const

function initMigration(dialect: ScaffoldOptions['dialect']): string {
  const t = INIT_COLUMNS[dialect]
  return `/**
 * The first migration. Migrations take \`Kysely<any>\`: they describe the schema as it was at that step, not the
 * generated types, which follow the migrations (npm run migrate && npm run gen).
 */
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'integer', (c) => ${t.id})
    .addColumn('email', '${t.text}', (c) => c.notNull().unique())
    .addColumn('display_name', '${t.text}', (c) => c.notNull())
    .addColumn('created_at', '${t.timestamp}', (c) => c.notNull().defaultTo(sql\`${t.now}\`))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('users').execute()
}
`
}

function readme(o: ScaffoldOptions): string {
  return `# ${o.name}

The shared data package: it owns the migrations, the types \`dbgen\` generates from the database, and the
configured \`db\`. Apps import \`db\` and the row types from here and never define their own pool.

## Set up

\`\`\`sh
npm install
export DATABASE_URL=${EXAMPLE_URL[o.dialect]}   # or copy .env.example to .env
npm run migrate && npm run gen
npm run build
\`\`\`

\`generated/\` does not exist until the first \`npm run gen\`; commit it once it does.

## After every schema change

1. Add a migration in \`migrations/\` (\`0002_<what>.ts\`, exporting \`up\` and \`down\`).
2. \`npm run migrate && npm run gen\`: apply it, then regenerate \`generated/db.ts\` and \`generated/metadata.ts\`.
3. \`npm run build\`, then type-check the apps: code that uses a dropped or renamed column stops compiling.
4. Commit the migration and \`generated/\` together. In CI, \`npm run gen:check\` exits 1 when they disagree.

## Use

\`\`\`ts
import { db, type User } from '${o.name}'

const user: User | undefined = await db.scope((tx) =>
  tx.selectFrom('users').selectAll().where('email', '=', 'ada@example.com').executeTakeFirst(),
)
\`\`\`

A process that needs other pool or guard options (a cluster worker, say) calls \`createDb\` from
\`${o.name}/create-db\` instead of importing \`db\`.
`
}
