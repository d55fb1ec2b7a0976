/**
 * dbgen vs kysely-codegen on a synthetic schema (1,000 tables × 22 columns of mixed types, FKs, enums, domains,
 * arrays, 50 views), both run as whole processes, alternating, and timed by wall clock with peak RSS from
 * `/usr/bin/time`. Prints medians and the ratio. Needs `npm run build` first (it runs `dist/codegen/cli.js`).
 *
 * @example
 * npx tsx bench/codegen.ts                       # PostgreSQL, then MariaDB/MySQL (the local defaults or $DBSCOPE_*_URL)
 * npx tsx bench/codegen.ts --dialect postgres
 * npx tsx bench/codegen.ts --runs 7 --tables 200
 * npx tsx bench/codegen.ts --dialect mysql         # MariaDB/MySQL at $DBSCOPE_MYSQL_URL or the local default
 * npx tsx bench/codegen.ts --setup-only          # build the database, print its URL, keep it (for profiling)
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

const args = process.argv.slice(2)
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback
}
const dialects = arg('dialect', 'postgres,mysql').split(',')
const runs = Number(arg('runs', '5'))
const tables = Number(arg('tables', '1000'))
const views = Math.min(50, tables)

interface Sample { ms: number; rssMb: number; cpuMs: number }

/** A dialect's bench hooks: create the synthetic database, return its URL, and drop it afterwards. */
interface BenchDialect {
  create(): Promise<{ url: string; drop: () => Promise<void> }>
  readonly kyselyCodegenDialect: string
  /** The issue's targets: dbgen at least `ratio`× faster, at most `rssMb` peak RSS. */
  readonly targets: { readonly ratio: number; readonly rssMb: number }
}

function postgresSchema(n: number, viewCount: number): string {
  const out: string[] = [
    `CREATE TYPE status AS ENUM ('new', 'active', 'archived');`,
    `CREATE TYPE priority AS ENUM ('low', 'mid', 'high');`,
    `CREATE TYPE colour AS ENUM ('red', 'green', 'blue');`,
    `CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');`,
    `CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);`,
    `CREATE DOMAIN money_amount AS numeric(12, 2);`,
  ]
  const enums = ['status', 'priority', 'colour']
  for (let i = 0; i < n; i++) {
    const fk = i > 0 ? `REFERENCES t${i - 1} (id) ON DELETE CASCADE` : ''
    out.push(`CREATE TABLE t${i} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      parent_id bigint ${fk},
      name text NOT NULL,
      code varchar(40) UNIQUE,
      qty integer NOT NULL DEFAULT 0,
      big_count bigint,
      price numeric(12, 2),
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      day date,
      payload jsonb,
      ext_id uuid,
      tags text[] NOT NULL DEFAULT '{}',
      scores integer[],
      state ${enums[i % 3]} NOT NULL DEFAULT '${i % 3 === 0 ? 'new' : i % 3 === 1 ? 'low' : 'red'}',
      contact email,
      rank positive_int,
      amount money_amount,
      blob bytea,
      ratio float8,
      addr inet,
      total integer GENERATED ALWAYS AS (qty * 2) STORED
    );`)
    if (i % 10 === 0) out.push(`COMMENT ON TABLE t${i} IS 'Table number ${i}.'; CREATE INDEX t${i}_name_idx ON t${i} (name);`)
  }
  for (let v = 0; v < viewCount; v++) out.push(`CREATE VIEW v${v} AS SELECT id, name, qty, created_at FROM t${v * Math.floor(n / viewCount)};`)
  return out.join('\n')
}

const postgres: BenchDialect = {
  kyselyCodegenDialect: 'postgres',
  targets: { ratio: 4, rssMb: 80 },
  async create() {
    const admin = process.env.DBSCOPE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
    const name = `dbscope_bench_${Date.now().toString(36)}`
    const run = async (url: string, text: string) => {
      const c = new pg.Client({ connectionString: url })
      await c.connect()
      try {
        await c.query(text)
      } finally {
        await c.end()
      }
    }
    await run(admin, `CREATE DATABASE ${name}`)
    const u = new URL(admin)
    u.pathname = `/${name}`
    const url = u.toString()
    try {
      await run(url, `BEGIN; ${postgresSchema(tables, views)} COMMIT;`)
    } catch (err) {
      await run(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      throw err
    }
    return { url, drop: () => run(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
  },
}

/** The MySQL/MariaDB twin of {@link postgresSchema}: 22 columns per table, FKs, enums, sets, json, a generated column. */
function mysqlSchema(n: number, viewCount: number): string {
  const out: string[] = []
  const enums = [`enum('new', 'active', 'archived')`, `enum('low', 'mid', 'high')`, `enum('red', 'green', 'blue')`]
  for (let i = 0; i < n; i++) {
    const fk = i > 0 ? `, CONSTRAINT t${i}_parent_fk FOREIGN KEY (parent_id) REFERENCES t${i - 1} (id) ON DELETE CASCADE` : ''
    out.push(`CREATE TABLE t${i} (
      id bigint AUTO_INCREMENT PRIMARY KEY,
      parent_id bigint,
      name varchar(100) NOT NULL,
      code varchar(40) UNIQUE,
      qty int NOT NULL DEFAULT 0,
      big_count bigint unsigned,
      price decimal(12, 2),
      active tinyint(1) NOT NULL DEFAULT 1,
      created_at datetime NOT NULL DEFAULT current_timestamp(),
      day date,
      payload json,
      ext_id uuid,
      tags set('a', 'b', 'c') NOT NULL DEFAULT '',
      score double,
      state ${enums[i % 3]} NOT NULL DEFAULT '${i % 3 === 0 ? 'new' : i % 3 === 1 ? 'low' : 'red'}',
      contact varchar(255) COMMENT 'Contact e-mail.',
      rank_no int unsigned,
      amount decimal(12, 2) NOT NULL DEFAULT 0,
      blob_data blob,
      ratio float,
      at_time time,
      total int AS (qty * 2) STORED${fk}
    )${i % 10 === 0 ? ` COMMENT 'Table number ${i}.'` : ''};`)
    if (i % 10 === 0) out.push(`CREATE INDEX t${i}_name_idx ON t${i} (name);`)
  }
  for (let v = 0; v < viewCount; v++) out.push(`CREATE VIEW v${v} AS SELECT id, name, qty, created_at, payload FROM t${v * Math.floor(n / viewCount)};`)
  return out.join('\n')
}

const mysqlBench: BenchDialect = {
  kyselyCodegenDialect: 'mysql',
  targets: { ratio: 8, rssMb: 90 },
  async create() {
    const { default: mysql } = await import('mysql2/promise')
    const admin = process.env.DBSCOPE_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
    const name = `dbscope_bench_${Date.now().toString(36)}`
    const run = async (text: string) => {
      const c = await mysql.createConnection({ uri: admin, multipleStatements: true })
      try {
        await c.query(text)
      } finally {
        await c.end()
      }
    }
    const drop = () => run(`DROP DATABASE IF EXISTS \`${name}\``)
    await run(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`)
    try {
      // One multi-statement batch; checks off so that creating 1,000 tables with FKs is quick.
      await run(`USE \`${name}\`; SET SESSION foreign_key_checks = 0; ${mysqlSchema(tables, views)}`)
    } catch (err) {
      await drop()
      throw err
    }
    const u = new URL(admin)
    u.pathname = `/${name}`
    return { url: u.toString(), drop }
  },
}

const DIALECTS: Record<string, BenchDialect | undefined> = { postgres, mysql: mysqlBench }

function measure(cmd: string[]): Sample {
  const hasTime = existsSync('/usr/bin/time')
  const argv = hasTime ? ['/usr/bin/time', '-f', 'BENCH_RSS_KB=%M BENCH_CPU_S=%U+%S', ...cmd] : cmd
  const started = performance.now()
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  const ms = performance.now() - started
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} exited ${r.status}:\n${r.stderr}`)
  const kb = Number(/BENCH_RSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? NaN)
  const cpu = /BENCH_CPU_S=([\d.]+)\+([\d.]+)/.exec(r.stderr)
  return { ms, rssMb: kb / 1024, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : NaN }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

async function main(): Promise<void> {
  for (const dialect of dialects) await benchDialect(dialect)
}

async function benchDialect(dialect: string): Promise<void> {
  const d = DIALECTS[dialect]
  if (!d) throw new Error(`--dialect ${dialect} is not supported by this bench yet (have: ${Object.keys(DIALECTS).join(', ')}).`)
  if (!existsSync('dist/codegen/cli.js')) throw new Error('dist/codegen/cli.js is missing: run `npm run build` first.')
  process.stderr.write(`building ${tables} tables × 22 columns and ${views} views on ${dialect}…\n`)
  const db = await d.create()
  if (args.includes('--setup-only')) {
    console.log(`${db.url}\n(left in place for profiling; drop it yourself)`)
    return
  }
  const out = mkdtempSync(join(tmpdir(), 'dbgen-bench-'))
  const samples = { dbgen: [] as Sample[], kysely: [] as Sample[] }
  try {
    const dbgen = ['node', 'dist/codegen/cli.js', '--url', db.url, '--out', join(out, 'dbgen')]
    const kysely = ['node', 'node_modules/.bin/kysely-codegen', '--dialect', d.kyselyCodegenDialect, '--url', db.url, '--out-file', join(out, 'kysely.ts')]
    measure(dbgen) // warm the server's catalog caches once for both
    for (let i = 0; i < runs; i++) {
      samples.dbgen.push(measure(dbgen))
      samples.kysely.push(measure(kysely))
      process.stderr.write(`run ${i + 1}/${runs}: dbgen ${samples.dbgen.at(-1)?.ms.toFixed(0)} ms, kysely-codegen ${samples.kysely.at(-1)?.ms.toFixed(0)} ms\n`)
    }
  } finally {
    rmSync(out, { recursive: true, force: true })
    await db.drop()
  }
  const row = (name: string, s: Sample[]) =>
    `${name.padEnd(15)} median ${median(s.map((x) => x.ms)).toFixed(0).padStart(6)} ms wall, ${median(s.map((x) => x.cpuMs)).toFixed(0).padStart(6)} ms CPU   ` +
    `peak RSS median ${median(s.map((x) => x.rssMb)).toFixed(1).padStart(6)} MB   (${s.length} runs)`
  const ratio = median(samples.kysely.map((x) => x.ms)) / median(samples.dbgen.map((x) => x.ms))
  const load = loadavg().map((x) => x.toFixed(1)).join(' ')
  console.log(`codegen bench (${dialect}, ${tables} tables × 22 columns, ${views} views; load average ${load} on ${cpus().length} CPUs)`)
  console.log(row('dbgen', samples.dbgen))
  console.log(row('kysely-codegen', samples.kysely))
  const t = d.targets
  console.log(`dbgen is ${ratio.toFixed(2)}× faster (target ≥ ${t.ratio}×); dbgen peak RSS max ${Math.max(...samples.dbgen.map((x) => x.rssMb)).toFixed(1)} MB (target ≤ ${t.rssMb} MB)`)
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
