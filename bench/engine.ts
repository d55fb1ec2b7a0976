/**
 * db.kysely vs a bare Kysely instance: single-statement throughput (SELECT by primary key), same pool size, same run.
 *
 * Rounds alternate (bare, dbscope, bare, dbscope, …) so that machine noise hits both sides alike; the medians and
 * their ratio are printed per dialect. Target: dbscope ≥ 0.97 × bare.
 *
 * @example
 * npx tsx bench/engine.ts                      # PostgreSQL and MariaDB, 11 rounds of 1.5 s, 16 concurrent clients
 * BENCH_ROUNDS=9 BENCH_MS=3000 BENCH_CONCURRENCY=8 BENCH_DIALECTS=postgres BENCH_DB=my_bench npx tsx bench/engine.ts
 */
import { Kysely, MysqlDialect, PostgresDialect } from 'kysely'
import mysql from 'mysql2'
import pg from 'pg'
import { defineDb, disposeAll } from './dbscope.js'

interface DB {
  bench_users: { id: number; name: string; visits: number }
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11)
const ROUND_MS = Number(process.env.BENCH_MS ?? 1_500)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const MAX = Number(process.env.BENCH_POOL_MAX ?? 10)
const ROWS = 1_000
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'postgres,mysql').split(',')
const PG_ADMIN = process.env.DBSCOPE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const MY_ADMIN = process.env.DBSCOPE_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
/** The database the bench (re)creates its table in: another name lets two runs share a server. */
const DB_NAME = /^[a-z_][a-z0-9_]*$/.test(process.env.BENCH_DB ?? '') ? process.env.BENCH_DB! : 'dbscope_bench'

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

async function preparePostgres(): Promise<string> {
  const admin = new pg.Client({ connectionString: PG_ADMIN })
  await admin.connect()
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME])
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DB_NAME}`)
  await admin.end()
  const url = withDatabase(PG_ADMIN, DB_NAME)
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  await c.query('DROP TABLE IF EXISTS bench_users')
  await c.query('CREATE TABLE bench_users (id int PRIMARY KEY, name text NOT NULL, visits int NOT NULL)')
  await c.query(`INSERT INTO bench_users SELECT g, 'user ' || g, g % 7 FROM generate_series(1, ${ROWS}) g`)
  await c.end()
  return url
}

async function prepareMysql(): Promise<string> {
  const admin = mysql.createConnection({ uri: MY_ADMIN }).promise()
  await admin.query(`CREATE DATABASE IF NOT EXISTS ${DB_NAME}`)
  await admin.query(`USE ${DB_NAME}`)
  await admin.query('DROP TABLE IF EXISTS bench_users')
  await admin.query('CREATE TABLE bench_users (id int PRIMARY KEY, name varchar(50) NOT NULL, visits int NOT NULL)')
  const values = Array.from({ length: ROWS }, (_, i) => `(${i + 1}, 'user ${i + 1}', ${(i + 1) % 7})`).join(',')
  await admin.query(`INSERT INTO bench_users VALUES ${values}`)
  await admin.end()
  return withDatabase(MY_ADMIN, DB_NAME)
}

/** Client CPU microseconds per statement in the last round (steadier than throughput on a busy machine). */
let lastCpuPerOp = 0

/** Runs CONCURRENCY loops of SELECT-by-PK for ROUND_MS; returns statements per second. */
async function round(k: Kysely<DB>): Promise<number> {
  let done = 0
  const until = performance.now() + ROUND_MS
  const start = performance.now()
  const cpu = process.cpuUsage()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      let id = w
      while (performance.now() < until) {
        id = (id % ROWS) + 1
        await k.selectFrom('bench_users').select(['id', 'name', 'visits']).where('id', '=', id).executeTakeFirst()
        done++
      }
    }),
  )
  const used = process.cpuUsage(cpu)
  lastCpuPerOp = (used.user + used.system) / done
  return done / ((performance.now() - start) / 1_000)
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

async function compare(label: string, bare: Kysely<DB>, ours: Kysely<DB>): Promise<number> {
  // Warm both pools to full size so no round pays for connecting.
  await round(bare)
  await round(ours)
  const b: number[] = []
  const o: number[] = []
  const bc: number[] = []
  const oc: number[] = []
  const runBare = async () => {
    b.push(await round(bare))
    bc.push(lastCpuPerOp)
  }
  const runOurs = async () => {
    o.push(await round(ours))
    oc.push(lastCpuPerOp)
  }
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which side goes first so drift over time does not favour one.
    if (i % 2 === 0) {
      await runBare()
      await runOurs()
    } else {
      await runOurs()
      await runBare()
    }
  }
  const mb = median(b)
  const mo = median(o)
  // Each dbscope round against the bare round run right next to it: both saw the same machine load.
  const paired = median(o.map((x, i) => x / b[i]!))
  const fmt = (xs: number[]) => xs.map((x) => Math.round(x)).join(' ')
  console.log(`${label}: bare Kysely rounds   ${fmt(b)}`)
  console.log(`${label}: dbscope db.kysely    ${fmt(o)}`)
  console.log(`${label}: median bare ${Math.round(mb)}/s, dbscope ${Math.round(mo)}/s, ratio ${(mo / mb).toFixed(3)}× (target ≥ 0.97)`)
  console.log(`${label}: median of paired-round ratios ${paired.toFixed(3)}×`)
  console.log(`${label}: client CPU per statement, median: bare ${median(bc).toFixed(1)} µs, dbscope ${median(oc).toFixed(1)} µs`)
  return mo / mb
}

async function main(): Promise<void> {
  console.log(`bench/engine: ${ROUNDS} rounds × ${ROUND_MS} ms, ${CONCURRENCY} concurrent clients, pool max ${MAX}, node ${process.version}`)
  if (DIALECTS.includes('postgres')) {
    const url = await preparePostgres()
    const bare = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: MAX }) }) })
    const db = defineDb<DB>({ url, pool: { max: MAX } })
    await compare('postgres', bare, db.kysely)
    await bare.destroy()
  }
  if (DIALECTS.includes('mysql')) {
    const url = await prepareMysql()
    const bare = new Kysely<DB>({ dialect: new MysqlDialect({ pool: mysql.createPool({ uri: url, connectionLimit: MAX }) }) })
    const db = defineDb<DB>({ url, pool: { max: MAX } })
    await compare('mariadb ', bare, db.kysely)
    await bare.destroy()
  }
  await disposeAll()
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
