/**
 * bench/scope's contenders: hand-written pg and mysql2, Kysely's and Drizzle's `transaction()`, and `db.scope` in
 * its variants, each the same workload (SELECT by primary key; UPDATE by primary key) on `bench_accounts`.
 *
 * @example
 * const c = rawMysql(url); await c.run(); await c.close()
 */
import { eq, sql as drizzleSql } from 'drizzle-orm'
import { int, mysqlTable } from 'drizzle-orm/mysql-core'
import { drizzle } from 'drizzle-orm/mysql2'
import { Kysely, MysqlDialect, PostgresDialect, sql } from 'kysely'
import mysql from 'mysql2'
import pg from 'pg'
import type { Db } from '../src/index.js'
import { defineDb } from './dbscope.js'

interface DB {
  bench_accounts: { id: number; balance: number }
}

/** Rows in bench_accounts. */
export const ROWS = 1_000
/** Connections in each contender's pool. */
export const POOL = 16

export type Tx = () => Promise<void>
export interface Contender {
  readonly name: string
  /** One transaction of the workload on a random row. */
  readonly run: Tx
  close(): Promise<void>
  /** Runs before each of its measurements (and after, `after`): the SDK contender registers the SDK only then. */
  before?(): void
  after?(): void
}

/** A contender by name, built in the process that measures it. */
export interface Spec {
  readonly name: string
  make(): Contender | Promise<Contender>
}

const randomId = () => 1 + Math.floor(Math.random() * ROWS)

/**
 * Hand-written node-postgres. `prepared` names the statements, so each connection parses them once: what dbscope's
 * statement cache does for every statement with parameters, here by hand.
 */
export function rawPg(url: string, prepared = false): Contender {
  const pool = new pg.Pool({ connectionString: url, max: POOL })
  const select = 'SELECT balance FROM bench_accounts WHERE id = $1'
  const update = 'UPDATE bench_accounts SET balance = balance + 1 WHERE id = $1'
  return {
    name: prepared ? 'raw pg, named stmts' : 'raw pg.Pool',
    async run() {
      const c = await pool.connect()
      try {
        const id = randomId()
        await c.query('BEGIN')
        await c.query(prepared ? { name: 'bench_select', text: select, values: [id] } : { text: select, values: [id] })
        await c.query(prepared ? { name: 'bench_update', text: update, values: [id] } : { text: update, values: [id] })
        await c.query('COMMIT')
      } finally {
        c.release()
      }
    },
    close: () => pool.end(),
  }
}

/**
 * Hand-written mysql2. `autocommit0`: connections in autocommit = 0 mode, where the SELECT opens the transaction and
 * no START TRANSACTION is sent: one round trip fewer, the ceiling for a driver that saves BEGIN's round trip.
 */
export function rawMysql(url: string, autocommit0 = false): Contender {
  const callbackPool = mysql.createPool({ uri: url, connectionLimit: POOL })
  if (autocommit0) callbackPool.on('connection', (c) => c.query('SET autocommit = 0'))
  const pool = callbackPool.promise()
  return {
    name: autocommit0 ? 'raw mysql2, autocommit=0' : 'raw mysql2 pool',
    async run() {
      const c = await pool.getConnection()
      try {
        const id = randomId()
        if (!autocommit0) await c.query('START TRANSACTION')
        await c.query('SELECT balance FROM bench_accounts WHERE id = ?', [id])
        await c.query('UPDATE bench_accounts SET balance = balance + 1 WHERE id = ?', [id])
        await c.query('COMMIT')
      } finally {
        c.release()
      }
    },
    close: () => pool.end(),
  }
}

const drizzleAccounts = mysqlTable('bench_accounts', { id: int('id').primaryKey(), balance: int('balance').notNull() })

/** Drizzle ORM through drizzle-orm/mysql2: `db.transaction()` with the same two statements. */
export function drizzleMysql(url: string): Contender {
  const pool = mysql.createPool({ uri: url, connectionLimit: POOL })
  const d = drizzle({ client: pool })
  return {
    name: 'Drizzle transaction()',
    async run() {
      const id = randomId()
      await d.transaction(async (tx) => {
        await tx.select({ balance: drizzleAccounts.balance }).from(drizzleAccounts).where(eq(drizzleAccounts.id, id))
        await tx
          .update(drizzleAccounts)
          .set({ balance: drizzleSql`${drizzleAccounts.balance} + 1` })
          .where(eq(drizzleAccounts.id, id))
      })
    },
    close: () => new Promise<void>((resolve) => pool.end(() => resolve())),
  }
}

export function workload(tx: Kysely<DB>): Promise<unknown> {
  const id = randomId()
  return tx
    .selectFrom('bench_accounts')
    .select('balance')
    .where('id', '=', id)
    .executeTakeFirst()
    .then(() => tx.updateTable('bench_accounts').set((eb) => ({ balance: eb('balance', '+', 1) })).where('id', '=', id).execute())
}

export function kysely(kind: 'pg' | 'mysql', url: string): Contender {
  const dialect =
    kind === 'pg'
      ? new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: POOL }) })
      : new MysqlDialect({ pool: mysql.createPool({ uri: url, connectionLimit: POOL }) })
  const k = new Kysely<DB>({ dialect })
  return {
    name: 'Kysely transaction()',
    async run() {
      await k.transaction().execute((trx) => workload(trx))
    },
    close: () => k.destroy(),
  }
}

/** The same statements as the raw contenders, through `sql` on the scope's tx: the scope's cost without the builders'. */
function rawSqlWorkload(tx: Kysely<DB>): Promise<unknown> {
  const id = randomId()
  return sql`SELECT balance FROM bench_accounts WHERE id = ${id}`
    .execute(tx)
    .then(() => sql`UPDATE bench_accounts SET balance = balance + 1 WHERE id = ${id}`.execute(tx))
}

export type ScopeVariant = 'builders' | 'sql' | 'current' | 'settings'

export const SCOPE_NAMES: Record<ScopeVariant, string> = {
  builders: 'db.scope',
  sql: 'db.scope + sql`…`',
  current: 'db.scope + db.current',
  settings: 'db.scope + settings',
}

/**
 * `db.scope` with the workload through its `tx`; through `sql` on the tx; through `db.current` (the repository
 * style: code that holds only `db`); or through the tx of a scope with `settings` (PostgreSQL sends set_config with
 * BEGIN, in the same round trip; MySQL sets a user variable in START TRANSACTION's write and resets it in COMMIT's).
 */
export function scope(url: string, variant: ScopeVariant = 'builders', define: typeof defineDb = defineDb, name = SCOPE_NAMES[variant]): Contender {
  const leakWarnMs = process.env.LEAK_WARN_MS === undefined ? undefined : Number(process.env.LEAK_WARN_MS)
  const db: Db<DB> = define<DB>({ url, pool: { max: POOL, ...(leakWarnMs === undefined ? {} : { leakWarnMs }) }, guard: { budget: 'off' } })
  const settings = { settings: { 'app.tenant_id': '1' } }
  const runs: Record<ScopeVariant, Tx> = {
    builders: () => db.scope((tx) => workload(tx)).then(() => undefined),
    sql: () => db.scope((tx) => rawSqlWorkload(tx)).then(() => undefined),
    current: () => db.scope(() => workload(db.current)).then(() => undefined),
    settings: () => db.scope((tx) => workload(tx), settings).then(() => undefined),
  }
  return {
    name,
    run: runs[variant],
    close: () => db.dispose(),
  }
}

/** BASELINE_SRC's db.scope, on an engine of its own (a query parameter that changes nothing makes the URL differ). */
export async function baselineScope(url: string): Promise<Contender> {
  const baseline = (await import(process.env.BASELINE_SRC!)) as { defineDb: typeof defineDb }
  const u = new URL(url)
  u.searchParams.set('connectTimeout', '10001')
  return scope(u.toString(), 'builders', baseline.defineDb, 'db.scope, baseline')
}
