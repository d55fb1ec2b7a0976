/**
 * bench/scope: BEGIN; SELECT by primary key; UPDATE by primary key; COMMIT — at concurrency 1 and 16, raw driver
 * vs Kysely `transaction().execute()` (and, on MariaDB, Drizzle's `transaction()`) vs `db.scope`, on PostgreSQL
 * (synchronous_commit on and off, set per session for every contender alike) and on MariaDB through mysql2.
 * Contenders alternate within each round; the table shows the median transactions per second over the rounds, the
 * ratio to the raw driver, and the median of each round's ratio to the raw driver's measurement in that round.
 *
 * More scope contenders: the raw contenders' SQL through `sql` on the scope's tx, isolating the scope's own cost;
 * the statements through `db.current` instead of `tx`; and a scope with `settings`. On PostgreSQL a last one names
 * its statements by hand (parsed once per connection), as dbscope's statement cache does for the scopes: the fair
 * ceiling for all. On MariaDB a last one runs its connections with autocommit = 0 and sends no START TRANSACTION:
 * the ceiling for saving BEGIN's round trip.
 *
 * The telemetry suites compare db.scope with `telemetry: false`, with `@opentelemetry/api` installed but no SDK
 * registered (the default when an application does not set one up), and with the real SDK registered (spans to a
 * no-op exporter, metrics to a reader that is never collected). BASELINE_SRC=/path/to/another/checkout/src/index.ts
 * adds that checkout's db.scope (before telemetry existed, say) as a contender, there and in the MariaDB suite.
 *
 * Run: npx tsx bench/scope.ts   (env: ROUNDS=5 SECONDS=1.5 LEAK_WARN_MS=… DBSCOPE_PG_URL=… DBSCOPE_MYSQL_URL=…
 *      SUITES=pg,pg-off,mysql,telemetry-pg,telemetry-mysql BENCH_DB=dbscope_bench BASELINE_SRC=…)
 */
import { eq, sql as drizzleSql } from 'drizzle-orm'
import { int, mysqlTable } from 'drizzle-orm/mysql-core'
import { drizzle } from 'drizzle-orm/mysql2'
import { Kysely, MysqlDialect, PostgresDialect, sql } from 'kysely'
import mysql from 'mysql2'
import pg from 'pg'
import { defineDb, type Db } from '../src/index.js'
import { telemetryContenders } from './telemetry-contenders.js'

interface DB {
  bench_accounts: { id: number; balance: number }
}

const PG_URL = process.env.DBSCOPE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const MYSQL_URL = process.env.DBSCOPE_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
const ROUNDS = Number(process.env.ROUNDS ?? 5)
/** The database the bench (re)creates its table in: another name lets two runs share a server. */
const BENCH_DB = /^[a-z_][a-z0-9_]*$/.test(process.env.BENCH_DB ?? '') ? process.env.BENCH_DB! : 'dbscope_bench'
const SECONDS = Number(process.env.SECONDS ?? 1.5)
const ROWS = 1_000
const POOL = 16

type Tx = () => Promise<void>
export interface Contender {
  readonly name: string
  /** One transaction of the workload on a random row. */
  readonly run: Tx
  close(): Promise<void>
  /** Runs before each of its measurements (and after, `after`): the SDK contender registers the SDK only then. */
  before?(): void
  after?(): void
}

const randomId = () => 1 + Math.floor(Math.random() * ROWS)

function withDatabase(url: string, db: string, params = ''): string {
  const u = new URL(url)
  u.pathname = `/${db}`
  return u.toString() + params
}

async function prepare(kind: 'pg' | 'mysql'): Promise<string> {
  const rows = Array.from({ length: ROWS }, (_, i) => `(${i + 1}, 0)`).join(',')
  if (kind === 'pg') {
    const admin = new pg.Client({ connectionString: PG_URL })
    await admin.connect()
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [BENCH_DB])
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${BENCH_DB}`)
    await admin.end()
    const url = withDatabase(PG_URL, BENCH_DB)
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    await c.query('DROP TABLE IF EXISTS bench_accounts')
    await c.query('CREATE TABLE bench_accounts (id int PRIMARY KEY, balance int NOT NULL)')
    await c.query(`INSERT INTO bench_accounts (id, balance) VALUES ${rows}`)
    await c.query('VACUUM ANALYZE bench_accounts')
    await c.end()
    return url
  }
  const c = mysql.createConnection({ uri: MYSQL_URL }).promise()
  await c.query(`CREATE DATABASE IF NOT EXISTS ${BENCH_DB}`)
  await c.query(`DROP TABLE IF EXISTS ${BENCH_DB}.bench_accounts`)
  await c.query(`CREATE TABLE ${BENCH_DB}.bench_accounts (id int PRIMARY KEY, balance int NOT NULL) ENGINE=InnoDB`)
  await c.query(`INSERT INTO ${BENCH_DB}.bench_accounts (id, balance) VALUES ${rows}`)
  await c.end()
  return withDatabase(MYSQL_URL, BENCH_DB)
}

/**
 * Hand-written node-postgres. `prepared` names the statements, so each connection parses them once: what dbscope's
 * statement cache does for every statement with parameters, here by hand.
 */
function rawPg(url: string, prepared = false): Contender {
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
function rawMysql(url: string, autocommit0 = false): Contender {
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
function drizzleMysql(url: string): Contender {
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

function workload(tx: Kysely<DB>): Promise<unknown> {
  const id = randomId()
  return tx
    .selectFrom('bench_accounts')
    .select('balance')
    .where('id', '=', id)
    .executeTakeFirst()
    .then(() => tx.updateTable('bench_accounts').set((eb) => ({ balance: eb('balance', '+', 1) })).where('id', '=', id).execute())
}

function kysely(kind: 'pg' | 'mysql', url: string): Contender {
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

type ScopeVariant = 'builders' | 'sql' | 'current' | 'settings'

const SCOPE_NAMES: Record<ScopeVariant, string> = {
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
function scope(url: string, variant: ScopeVariant = 'builders', define: typeof defineDb = defineDb, name = SCOPE_NAMES[variant]): Contender {
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
    // The scope contenders share one engine (same URL and options): the second dispose is a no-op.
    close: () => db.dispose(),
  }
}

/** BASELINE_SRC's db.scope, on an engine of its own (a query parameter that changes nothing makes the URL differ). */
async function baselineScope(url: string): Promise<Contender> {
  const baseline = (await import(process.env.BASELINE_SRC!)) as { defineDb: typeof defineDb }
  const u = new URL(url)
  u.searchParams.set('connectTimeout', '10001')
  return scope(u.toString(), 'builders', baseline.defineDb, 'db.scope, baseline')
}

interface Sample {
  /** Transactions per second (wall clock). */
  readonly tps: number
  /** This process's CPU time per transaction, in µs: steadier than tx/s on a shared machine. */
  readonly cpuUs: number
}

/** Runs `tx` from `concurrency` loops for `seconds`. */
async function measure(run: Tx, concurrency: number, seconds: number): Promise<Sample> {
  const until = performance.now() + seconds * 1_000
  let done = 0
  const loop = async () => {
    while (performance.now() < until) {
      await run()
      done++
    }
  }
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, loop))
  const used = process.cpuUsage(cpu)
  return { tps: done / ((performance.now() - started) / 1_000), cpuUs: (used.user + used.system) / done }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

async function suite(title: string, contenders: Contender[]): Promise<void> {
  const timed = async (c: Contender, concurrency: number, seconds: number) => {
    c.before?.()
    try {
      return await measure(c.run, concurrency, seconds)
    } finally {
      c.after?.()
    }
  }
  for (const c of contenders) await timed(c, POOL, 0.5) // warm up: open the pools, JIT
  for (const concurrency of [1, 16]) {
    const results = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]))
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round so no contender always runs first or last.
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!)
      for (const c of order) results.get(c.name)!.push(await timed(c, concurrency, SECONDS))
    }
    const tps = (name: string) => median(results.get(name)!.map((r) => r.tps))
    const first = results.get(contenders[0]!.name)!
    const raw = tps(contenders[0]!.name)
    console.log(
      `\n${title}, concurrency ${concurrency} (${ROUNDS} rounds × ${SECONDS} s; median tx/s, ratio of the medians to the first, ` +
        'median of the ratios to the first in the same round, client CPU µs/tx)',
    )
    for (const c of contenders) {
      const mine = results.get(c.name)!
      const m = tps(c.name)
      // Each round's ratio to the first contender's measurement in that round: both saw the same machine load.
      const paired = median(mine.map((r, i) => r.tps / first[i]!.tps))
      const cpu = median(mine.map((r) => r.cpuUs))
      const all = mine.map((x) => x.tps.toFixed(0)).join(' ')
      const vs = contenders[0]!.name.startsWith('raw') ? 'raw  ' : 'first'
      console.log(`  ${c.name.padEnd(26)} ${m.toFixed(0).padStart(7)} tx/s  ${(m / raw).toFixed(2)}× ${vs} paired ${paired.toFixed(2)}×  ${cpu.toFixed(0).padStart(5)} µs CPU/tx   [${all}]`)
    }
  }
  for (const c of contenders) await c.close()
}

/** `SUITES=pg,pg-off,mysql,telemetry-pg,telemetry-mysql` (default: all five) picks the suites to run. */
const SUITES = new Set((process.env.SUITES ?? 'pg,pg-off,mysql,telemetry-pg,telemetry-mysql').split(','))

async function main(): Promise<void> {
  console.log(`node ${process.version}; pool ${POOL}; ${ROWS} rows; one process for all contenders`)
  const scopes = (url: string) => [scope(url), scope(url, 'sql'), scope(url, 'current'), scope(url, 'settings')]
  const pgUrl = await prepare('pg')
  if (SUITES.has('pg')) await suite('PostgreSQL', [rawPg(pgUrl), kysely('pg', pgUrl), ...scopes(pgUrl), rawPg(pgUrl, true)])
  const off = `${pgUrl}?options=${encodeURIComponent('-c synchronous_commit=off')}`
  if (SUITES.has('pg-off')) await suite('PostgreSQL, synchronous_commit = off', [rawPg(off), kysely('pg', off), ...scopes(off), rawPg(off, true)])
  if (SUITES.has('telemetry-pg')) await suite('Telemetry cost, PostgreSQL, synchronous_commit = off (ratio to telemetry off)', await telemetryContenders(off, POOL, workload))
  if (!SUITES.has('mysql') && !SUITES.has('telemetry-mysql')) return
  const myUrl = await prepare('mysql')
  if (SUITES.has('mysql')) {
    const baseline = process.env.BASELINE_SRC ? [await baselineScope(myUrl)] : []
    await suite('MariaDB (mysql2)', [rawMysql(myUrl), kysely('mysql', myUrl), drizzleMysql(myUrl), ...scopes(myUrl), ...baseline, rawMysql(myUrl, true)])
  }
  if (SUITES.has('telemetry-mysql')) await suite('Telemetry cost, MariaDB (ratio to telemetry off)', await telemetryContenders(myUrl, POOL, workload))
}

await main()
