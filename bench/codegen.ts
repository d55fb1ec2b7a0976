/**
 * dbgen vs kysely-codegen on a synthetic schema (1,000 tables × 22 columns of mixed types, FKs, enums, domains,
 * arrays, 50 views), both run as whole processes, alternating, and timed by wall clock with peak RSS from
 * `/usr/bin/time`. Prints medians and the ratio. Needs `npm run build` first (it runs `dist/esm/codegen/cli.js`).
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
import { createMysqlDatabase, createPostgresDatabase } from './synthetic-schema.js'

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
  /** The targets: dbgen at least `ratio`× faster, at most `rssMb` peak RSS. */
  readonly targets: { readonly ratio: number; readonly rssMb: number }
}

const postgres: BenchDialect = {
  kyselyCodegenDialect: 'postgres',
  targets: { ratio: 4, rssMb: 80 },
  create: () => createPostgresDatabase(tables, views),
}

const mysqlBench: BenchDialect = {
  kyselyCodegenDialect: 'mysql',
  targets: { ratio: 8, rssMb: 90 },
  create: () => createMysqlDatabase(tables, views),
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
  if (!existsSync('dist/esm/codegen/cli.js')) throw new Error('dist/esm/codegen/cli.js is missing: run `npm run build` first.')
  process.stderr.write(`building ${tables} tables × 22 columns and ${views} views on ${dialect}…\n`)
  const db = await d.create()
  if (args.includes('--setup-only')) {
    console.log(`${db.url}\n(left in place for profiling; drop it yourself)`)
    return
  }
  const out = mkdtempSync(join(tmpdir(), 'dbgen-bench-'))
  const samples = { dbgen: [] as Sample[], kysely: [] as Sample[] }
  try {
    const dbgen = ['node', 'dist/esm/codegen/cli.js', '--url', db.url, '--out', join(out, 'dbgen')]
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
