/**
 * bench/scope: BEGIN; SELECT by primary key; UPDATE by primary key; COMMIT — at concurrency 1 and 16, raw driver
 * vs Kysely `transaction().execute()` (and, on MariaDB, Drizzle's `transaction()`) vs `db.scope`, on PostgreSQL
 * (synchronous_commit on and off, set per session for every contender alike) and on MariaDB through mysql2.
 * Each contender runs in a process of its own, a new one each round, and contenders alternate within each round; the
 * table shows the median transactions per second over the rounds, the ratio to the raw driver, and the median of
 * each round's ratio to the raw driver's measurement in that round. dbscope is the compiled package (bench/dbscope.ts).
 *
 * More scope contenders: the raw contenders' SQL through `sql` on the scope's tx, isolating the scope's own cost;
 * the statements through `db.current` instead of `tx`; and a scope with `settings`. On PostgreSQL a last one names
 * its statements by hand (parsed once per connection), as dbscope's statement cache does for the scopes: the fair
 * ceiling for all. On MariaDB a last one runs its connections with autocommit = 0 and sends no START TRANSACTION:
 * the ceiling for saving BEGIN's round trip. The mysql-delay suite runs MariaDB's contenders through a proxy that
 * delays each way by 1 ms (bench/delay-proxy.ts), where round trips cost time as they do between two hosts.
 *
 * The telemetry suites compare db.scope with `telemetry: false`, with `@opentelemetry/api` installed but no SDK
 * registered (the default when an application does not set one up), and with the real SDK registered (spans to a
 * no-op exporter, metrics to a reader that is never collected). BASELINE_SRC=/path/to/another/checkout/src/index.ts
 * adds that checkout's db.scope (before telemetry existed, say) as a contender, there and in the MariaDB suite.
 *
 * Run: npx tsx bench/scope.ts   (env: ROUNDS=5 SECONDS=1.5 LEAK_WARN_MS=… DBSCOPE_PG_URL=… DBSCOPE_MYSQL_URL=…
 *      SUITES=pg,pg-off,mysql,mysql-delay,telemetry-pg,telemetry-mysql BENCH_DB=dbscope_bench BASELINE_SRC=…)
 */
import { fork } from 'node:child_process'
import mysql from 'mysql2'
import pg from 'pg'
import { baselineScope, drizzleMysql, kysely, POOL, rawMysql, rawPg, ROWS, scope, SCOPE_NAMES, workload, type Spec, type Tx } from './scope-contenders.js'
import { delayProxy } from './delay-proxy.js'
import { telemetrySpecs } from './telemetry-contenders.js'

const PG_URL = process.env.DBSCOPE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const MYSQL_URL = process.env.DBSCOPE_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
const ROUNDS = Number(process.env.ROUNDS ?? 5)
/** The database the bench (re)creates its table in: another name lets two runs share a server. */
const BENCH_DB = /^[a-z_][a-z0-9_]*$/.test(process.env.BENCH_DB ?? '') ? process.env.BENCH_DB! : 'dbscope_bench'
const SECONDS = Number(process.env.SECONDS ?? 1.5)
const WARM_MAX_SECONDS = 8

function withDatabase(url: string, db: string): string {
  const u = new URL(url)
  u.pathname = `/${db}`
  return u.toString()
}

const pgUrl = () => withDatabase(PG_URL, BENCH_DB)
const pgOffUrl = () => `${pgUrl()}?options=${encodeURIComponent('-c synchronous_commit=off')}`
const mysqlUrl = () => withDatabase(MYSQL_URL, BENCH_DB)

async function prepare(kind: 'pg' | 'mysql'): Promise<void> {
  const rows = Array.from({ length: ROWS }, (_, i) => `(${i + 1}, 0)`).join(',')
  if (kind === 'pg') {
    const admin = new pg.Client({ connectionString: PG_URL })
    await admin.connect()
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [BENCH_DB])
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${BENCH_DB}`)
    await admin.end()
    const c = new pg.Client({ connectionString: pgUrl() })
    await c.connect()
    await c.query('DROP TABLE IF EXISTS bench_accounts')
    await c.query('CREATE TABLE bench_accounts (id int PRIMARY KEY, balance int NOT NULL)')
    await c.query(`INSERT INTO bench_accounts (id, balance) VALUES ${rows}`)
    await c.query('VACUUM ANALYZE bench_accounts')
    await c.end()
    return
  }
  const c = mysql.createConnection({ uri: MYSQL_URL }).promise()
  await c.query(`CREATE DATABASE IF NOT EXISTS ${BENCH_DB}`)
  await c.query(`DROP TABLE IF EXISTS ${BENCH_DB}.bench_accounts`)
  await c.query(`CREATE TABLE ${BENCH_DB}.bench_accounts (id int PRIMARY KEY, balance int NOT NULL) ENGINE=InnoDB`)
  await c.query(`INSERT INTO ${BENCH_DB}.bench_accounts (id, balance) VALUES ${rows}`)
  await c.end()
}

interface Sample {
  /** Transactions per second (wall clock). */
  readonly tps: number
  /** The contender's process's CPU time per transaction, in µs: steadier than tx/s on a shared machine. */
  readonly cpuUs: number
}

const CONCURRENCIES = [1, 16] as const

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

type SuiteId = 'pg' | 'pg-off' | 'telemetry-pg' | 'mysql' | 'mysql-delay' | 'telemetry-mysql'

/** Each way, in the mysql-delay suite (see delay-proxy.ts). */
const DELAY_MS = 1

function scopeSpecs(url: string): Spec[] {
  return (['builders', 'sql', 'current', 'settings'] as const).map((v) => ({ name: SCOPE_NAMES[v], make: () => scope(url, v) }))
}

/** A suite's title and contenders, the same in the parent (which names them) and in each contender's process. */
async function suiteOf(id: SuiteId): Promise<{ title: string; specs: Spec[] }> {
  const pgSuite = (url: string): Spec[] => [
    { name: 'raw pg.Pool', make: () => rawPg(url) },
    { name: 'Kysely transaction()', make: () => kysely('pg', url) },
    ...scopeSpecs(url),
    { name: 'raw pg, named stmts', make: () => rawPg(url, true) },
  ]
  switch (id) {
    case 'pg':
      return { title: 'PostgreSQL', specs: pgSuite(pgUrl()) }
    case 'pg-off':
      return { title: 'PostgreSQL, synchronous_commit = off', specs: pgSuite(pgOffUrl()) }
    case 'telemetry-pg':
      return { title: 'Telemetry cost, PostgreSQL, synchronous_commit = off (ratio to telemetry off)', specs: await telemetrySpecs(pgOffUrl(), POOL, workload) }
    case 'mysql':
    case 'mysql-delay': {
      const url = new URL(mysqlUrl())
      // mysql-delay: the parent starts the proxy and passes its port on to each contender's process.
      if (id === 'mysql-delay') url.port = process.env.BENCH_PROXY_PORT ?? url.port
      const u = url.toString()
      const baseline: Spec[] = process.env.BASELINE_SRC ? [{ name: 'db.scope, baseline', make: () => baselineScope(u) }] : []
      return {
        title: id === 'mysql' ? 'MariaDB (mysql2)' : `MariaDB (mysql2) through a proxy that delays each way by ${DELAY_MS} ms`,
        specs: [
          { name: 'raw mysql2 pool', make: () => rawMysql(u) },
          { name: 'Kysely transaction()', make: () => kysely('mysql', u) },
          { name: 'Drizzle transaction()', make: () => drizzleMysql(u) },
          ...scopeSpecs(u),
          ...baseline,
          { name: 'raw mysql2, autocommit=0', make: () => rawMysql(u, true) },
        ],
      }
    }
    case 'telemetry-mysql':
      return { title: 'Telemetry cost, MariaDB (ratio to telemetry off)', specs: await telemetrySpecs(mysqlUrl(), POOL, workload) }
  }
}

/**
 * A contender's process: builds it, warms it up (pools open, code optimized), measures it at each concurrency,
 * sends the samples to the parent and closes it. One process per contender and round, so that no contender runs
 * with another's JIT state, garbage or AsyncLocalStorage hooks (which, once a scope has run, slow every promise in
 * the process), and no process keeps its connections while the others run.
 */
async function child(id: SuiteId, index: number): Promise<void> {
  const c = await (await suiteOf(id)).specs[index]!.make()
  const timed = async (concurrency: number, seconds: number) => {
    c.before?.()
    try {
      return await measure(c.run, concurrency, seconds)
    } finally {
      c.after?.()
    }
  }
  // Warm up until the rate settles: Kysely's and dbscope's code takes seconds of load to be optimized.
  for (let t = 0, last = 0; t < WARM_MAX_SECONDS; t += 0.5) {
    const { tps } = await timed(POOL, 0.5)
    if (t >= 1 && Math.abs(tps - last) < 0.05 * tps) break
    last = tps
  }
  const samples: Sample[] = []
  for (const concurrency of CONCURRENCIES) samples.push(await timed(concurrency, SECONDS))
  await c.close()
  process.send!(samples)
}

/** Runs one contender's process and returns its samples, one per concurrency. */
function runChild(id: SuiteId, index: number, name: string): Promise<Sample[]> {
  return new Promise((resolvePromise, reject) => {
    const p = fork(import.meta.filename, ['--child', id, String(index)], { execArgv: ['--import', 'tsx'] })
    let samples: Sample[] | undefined
    p.on('message', (m) => (samples = m as Sample[]))
    p.on('error', reject)
    p.on('exit', (code) => (samples ? resolvePromise(samples) : reject(new Error(`bench: the process of "${name}" exited with ${code} before it reported`))))
  })
}

async function suite(id: SuiteId): Promise<void> {
  const { title, specs } = await suiteOf(id)
  const results = new Map<string, Sample[][]>(specs.map((s) => [s.name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round so no contender always runs first or last.
    for (let k = 0; k < specs.length; k++) {
      const i = (k + round) % specs.length
      results.get(specs[i]!.name)!.push(await runChild(id, i, specs[i]!.name))
    }
  }
  CONCURRENCIES.forEach((concurrency, at) => {
    const of = (name: string) => results.get(name)!.map((round) => round[at]!)
    const tps = (name: string) => median(of(name).map((r) => r.tps))
    const firstName = specs[0]!.name
    const first = of(firstName)
    const raw = tps(firstName)
    console.log(
      `\n${title}, concurrency ${concurrency} (${ROUNDS} rounds × ${SECONDS} s; median tx/s, ratio of the medians to the first, ` +
        'median of the ratios to the first in the same round, client CPU µs/tx)',
    )
    for (const s of specs) {
      const mine = of(s.name)
      const m = tps(s.name)
      // Each round's ratio to the first contender's measurement in that round: both ran close together in time.
      const paired = median(mine.map((r, i) => r.tps / first[i]!.tps))
      const cpu = median(mine.map((r) => r.cpuUs))
      const all = mine.map((x) => x.tps.toFixed(0)).join(' ')
      const vs = firstName.startsWith('raw') ? 'raw  ' : 'first'
      console.log(`  ${s.name.padEnd(26)} ${m.toFixed(0).padStart(7)} tx/s  ${(m / raw).toFixed(2)}× ${vs} paired ${paired.toFixed(2)}×  ${cpu.toFixed(0).padStart(5)} µs CPU/tx   [${all}]`)
    }
  })
}

/** `SUITES=pg,pg-off,mysql,mysql-delay,telemetry-pg,telemetry-mysql` (default: all six) picks the suites to run. */
const SUITES = new Set((process.env.SUITES ?? 'pg,pg-off,mysql,mysql-delay,telemetry-pg,telemetry-mysql').split(','))

async function main(): Promise<void> {
  console.log(`node ${process.version}; pool ${POOL}; ${ROWS} rows; each contender in a process of its own, a new one each round`)
  await prepare('pg')
  for (const id of ['pg', 'pg-off', 'telemetry-pg'] as const) if (SUITES.has(id)) await suite(id)
  if (!SUITES.has('mysql') && !SUITES.has('mysql-delay') && !SUITES.has('telemetry-mysql')) return
  await prepare('mysql')
  if (SUITES.has('mysql')) await suite('mysql')
  if (SUITES.has('mysql-delay')) {
    const target = new URL(mysqlUrl())
    const proxy = await delayProxy(target.hostname, Number(target.port || 3306), DELAY_MS)
    process.env.BENCH_PROXY_PORT = String(proxy.port)
    await suite('mysql-delay').finally(() => proxy.close())
  }
  if (SUITES.has('telemetry-mysql')) await suite('telemetry-mysql')
}

if (process.argv[2] === '--child') await child(process.argv[3] as SuiteId, Number(process.argv[4]))
else await main()
