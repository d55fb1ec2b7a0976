/**
 * bench/scope-instructions: the client's cost of one transaction of the bench's workload (SELECT by pk; UPDATE by pk)
 * counted in instructions by `valgrind --tool=callgrind`, which a busy machine cannot blur the way it blurs CPU time.
 * Node runs single-threaded in V8's predictable mode, so that a count repeats within about 1.5% (the network's timing
 * still varies the event loop's turns).
 * It runs the same process twice, with N transactions and with none (each after 300 warm-up transactions), and prints
 * the difference per transaction. `--repo` points at another checkout of dbscope (its `src/`), to compare before and
 * after a change. `--dialect mysql` runs it on MariaDB through mysql2. `--contender` picks what is counted: `scope`
 * (the default), `raw` (the hand-written driver: pg.Pool, or a mysql2 pool with START TRANSACTION … COMMIT),
 * `db.kysely` (the two statements as autocommit statements on `db.kysely`), `kysely` (the same on bare Kysely) or
 * `kysely.transaction` (bare Kysely's `transaction()` around them). `--als` runs each transaction inside
 * `AsyncLocalStorage.run()`, as a scope does, to count what Node's async context costs the contender.
 *
 * @example
 * npx tsx bench/scope-instructions.ts                        # this checkout, PostgreSQL, N = 1500 (several minutes)
 * npx tsx bench/scope-instructions.ts --repo ../old --n 500  # another checkout
 * npx tsx bench/scope-instructions.ts --dialect mysql --contender raw --n 500
 * npx tsx bench/scope-instructions.ts --dialect mysql --contender kysely.transaction --als
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { Kysely, MysqlDialect, PostgresDialect } from 'kysely'
import mysql from 'mysql2'
import pg from 'pg'

const args = process.argv.slice(2)
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback
}
const PG_URL = process.env.DBSCOPE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const MYSQL_URL = process.env.DBSCOPE_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
const DB_NAME = /^[a-z_][a-z0-9_]*$/.test(process.env.BENCH_DB ?? '') ? process.env.BENCH_DB! : 'dbscope_bench_instructions'
const WARM = 300

type Dialect = 'postgres' | 'mysql'
type ContenderName = 'scope' | 'raw' | 'db.kysely' | 'kysely' | 'kysely.transaction'
const CONTENDERS: readonly ContenderName[] = ['scope', 'raw', 'db.kysely', 'kysely', 'kysely.transaction']

function databaseUrl(dialect: Dialect): string {
  const u = new URL(dialect === 'mysql' ? MYSQL_URL : PG_URL)
  u.pathname = `/${DB_NAME}`
  return u.toString()
}

/** One transaction of the workload on row `id`, by the contender. */
type Tx = (id: number) => Promise<void>

interface Acc {
  acc: { id: number; balance: number }
}

/** The workload's two statements on `k` (a scope's tx, or autocommit statements on db.kysely or bare Kysely). */
async function statements(k: Kysely<Acc>, id: number): Promise<void> {
  const r = await k.selectFrom('acc').select(['id', 'balance']).where('id', '=', id).executeTakeFirstOrThrow()
  await k.updateTable('acc').set({ balance: r.balance + 1 }).where('id', '=', id).execute()
}

/** `db.scope` around the two statements, or (`autocommit`) the two statements on `db.kysely`. */
async function dbscopeContender(repo: string, dialect: Dialect, autocommit: boolean): Promise<{ tx: Tx; close(): Promise<void> }> {
  const { defineDb } = (await import(resolve(repo, 'src/index.ts'))) as typeof import('../src/index.js')
  const db = defineDb<Acc>({ url: databaseUrl(dialect), pool: { max: 1 } })
  return {
    tx: autocommit ? (id) => statements(db.kysely, id) : (id) => db.scope((tx) => statements(tx, id)),
    close: () => db.dispose(),
  }
}

/** Bare Kysely, the two statements as autocommit statements (the peer of `db.kysely`), or in `transaction()`. */
function bareKysely(dialect: Dialect, transaction: boolean): { tx: Tx; close(): Promise<void> } {
  const url = databaseUrl(dialect)
  const dialectOf =
    dialect === 'mysql'
      ? new MysqlDialect({ pool: mysql.createPool({ uri: url, connectionLimit: 1 }) })
      : new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) })
  const k = new Kysely<Acc>({ dialect: dialectOf })
  return {
    tx: transaction ? (id) => k.transaction().execute((t) => statements(t, id)) : (id) => statements(k, id),
    close: () => k.destroy(),
  }
}

function rawContender(dialect: Dialect): { tx: Tx; close(): Promise<void> } {
  if (dialect === 'postgres') {
    const pool = new pg.Pool({ connectionString: databaseUrl(dialect), max: 1 })
    return {
      async tx(id) {
        const c = await pool.connect()
        try {
          await c.query('BEGIN')
          const r = await c.query<{ balance: number }>('SELECT id, balance FROM acc WHERE id = $1', [id])
          await c.query('UPDATE acc SET balance = $1 WHERE id = $2', [r.rows[0]!.balance + 1, id])
          await c.query('COMMIT')
        } finally {
          c.release()
        }
      },
      close: () => pool.end(),
    }
  }
  const pool = mysql.createPool({ uri: databaseUrl(dialect), connectionLimit: 1 }).promise()
  return {
    async tx(id) {
      const c = await pool.getConnection()
      try {
        await c.query('START TRANSACTION')
        const [rows] = await c.query('SELECT id, balance FROM acc WHERE id = ?', [id])
        await c.query('UPDATE acc SET balance = ? WHERE id = ?', [(rows as { balance: number }[])[0]!.balance + 1, id])
        await c.query('COMMIT')
      } finally {
        c.release()
      }
    },
    close: () => pool.end(),
  }
}

/** The measured process: WARM + n transactions at concurrency 1, by the contender. */
async function child(repo: string, dialect: Dialect, contender: ContenderName, n: number, als: boolean): Promise<void> {
  const c =
    contender === 'raw'
      ? rawContender(dialect)
      : contender === 'kysely' || contender === 'kysely.transaction'
        ? bareKysely(dialect, contender === 'kysely.transaction')
        : await dbscopeContender(repo, dialect, contender === 'db.kysely')
  // --als: each transaction inside AsyncLocalStorage.run(), whose promise hook then runs for every promise (scopes need it).
  const storage = new AsyncLocalStorage<object>()
  const tx: Tx = als ? (id) => storage.run({}, () => c.tx(id)) : c.tx
  for (let i = 0; i < WARM + n; i++) await tx(1 + (i % 100))
  await c.close()
}

async function prepare(dialect: Dialect): Promise<void> {
  if (dialect === 'mysql') {
    const c = mysql.createConnection({ uri: MYSQL_URL }).promise()
    await c.query(`CREATE DATABASE IF NOT EXISTS ${DB_NAME}`)
    await c.query(`DROP TABLE IF EXISTS ${DB_NAME}.acc`)
    await c.query(`CREATE TABLE ${DB_NAME}.acc (id int PRIMARY KEY, balance int NOT NULL) ENGINE=InnoDB`)
    await c.query(`INSERT INTO ${DB_NAME}.acc SELECT seq, 0 FROM seq_1_to_100`)
    await c.end()
    return
  }
  const admin = new pg.Client({ connectionString: PG_URL })
  await admin.connect()
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME])
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DB_NAME}`)
  await admin.end()
  const c = new pg.Client({ connectionString: databaseUrl(dialect) })
  await c.connect()
  await c.query('DROP TABLE IF EXISTS acc')
  await c.query('CREATE TABLE acc (id int PRIMARY KEY, balance int NOT NULL)')
  await c.query('INSERT INTO acc SELECT g, 0 FROM generate_series(1, 100) g')
  await c.end()
}

/** Total instructions of one child process under callgrind. */
function instructions(repo: string, dialect: Dialect, contender: ContenderName, n: number, als: boolean): number {
  const r = spawnSync(
    'valgrind',
    [
      '--tool=callgrind', '--smc-check=all-non-file', '--callgrind-out-file=/dev/null',
      // One thread and V8's predictable mode: without them the garbage collector's timing moves a count by percents.
      process.execPath, '--single-threaded', '--predictable', '--import', 'tsx', import.meta.filename, '--child', repo, dialect, contender, String(n), String(als),
    ],
    { encoding: 'utf8', cwd: resolve(import.meta.dirname, '..'), env: { ...process.env, BENCH_DB: DB_NAME } },
  )
  const m = /Collected : (\d+)/.exec(r.stderr)
  if (r.status !== 0 || !m) throw new Error(`callgrind run failed (is valgrind installed?):\n${r.stderr.slice(-2000)}`)
  return Number(m[1])
}

if (args[0] === '--child') {
  await child(args[1]!, args[2] as Dialect, args[3] as ContenderName, Number(args[4]), args[5] === 'true')
} else {
  const repo = resolve(arg('repo', resolve(import.meta.dirname, '..')))
  const n = Number(arg('n', '1500'))
  const dialect: Dialect = arg('dialect', 'postgres') === 'mysql' ? 'mysql' : 'postgres'
  const picked = arg('contender', 'scope') as ContenderName
  const contender: ContenderName = CONTENDERS.includes(picked) ? picked : 'scope'
  await prepare(dialect)
  // The empty run first, so that tsx's transform cache is warm for both runs alike.
  const als = args.includes('--als')
  instructions(repo, dialect, contender, 0, als)
  const base = instructions(repo, dialect, contender, 0, als)
  const total = instructions(repo, dialect, contender, n, als)
  const named = contender === 'raw' ? `raw ${dialect === 'mysql' ? 'mysql2' : 'pg'}` : contender.startsWith('kysely') ? `bare ${contender}` : `${repo} ${contender}`
  const who = als ? `${named} in AsyncLocalStorage.run()` : named
  console.log(`${who} (${dialect}): ${((total - base) / n / 1e6).toFixed(3)} M instructions per transaction (${n} transactions; process ${(base / 1e9).toFixed(2)} G without them)`)
}
