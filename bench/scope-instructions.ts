/**
 * bench/scope-instructions: the client's cost of one `db.scope` (SELECT by pk; UPDATE by pk) on PostgreSQL, counted
 * in instructions by `valgrind --tool=callgrind`, which a busy machine cannot blur the way it blurs CPU time. It runs
 * the same process twice, with N scopes and with none (each after 300 warm-up scopes), and prints the difference per
 * scope. `--repo` points at another checkout of dbscope (its `src/`), to compare before and after a change.
 *
 * @example
 * npx tsx bench/scope-instructions.ts                       # this checkout, N = 1500 (several minutes)
 * npx tsx bench/scope-instructions.ts --repo ../old --n 500 # another checkout
 */
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import pg from 'pg'

const args = process.argv.slice(2)
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback
}
const PG_URL = process.env.DBSCOPE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const DB_NAME = 'dbscope_bench_instructions'
const WARM = 300

function databaseUrl(): string {
  const u = new URL(PG_URL)
  u.pathname = `/${DB_NAME}`
  return u.toString()
}

/** The measured process: WARM + n scopes at concurrency 1 with the checkout's own src/. */
async function child(repo: string, n: number): Promise<void> {
  const { defineDb } = (await import(resolve(repo, 'src/index.ts'))) as typeof import('../src/index.js')
  const db = defineDb<{ acc: { id: number; balance: number } }>({ url: databaseUrl(), pool: { max: 1 } })
  for (let i = 0; i < WARM + n; i++) {
    const id = 1 + (i % 100)
    await db.scope(async (tx) => {
      const r = await tx.selectFrom('acc').select(['id', 'balance']).where('id', '=', id).executeTakeFirstOrThrow()
      await tx.updateTable('acc').set({ balance: r.balance + 1 }).where('id', '=', id).execute()
    })
  }
  await db.dispose()
}

async function prepare(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_URL })
  await admin.connect()
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME])
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DB_NAME}`)
  await admin.end()
  const c = new pg.Client({ connectionString: databaseUrl() })
  await c.connect()
  await c.query('DROP TABLE IF EXISTS acc')
  await c.query('CREATE TABLE acc (id int PRIMARY KEY, balance int NOT NULL)')
  await c.query('INSERT INTO acc SELECT g, 0 FROM generate_series(1, 100) g')
  await c.end()
}

/** Total instructions of one child process under callgrind. */
function instructions(repo: string, n: number): number {
  const r = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--smc-check=all-non-file', '--callgrind-out-file=/dev/null', process.execPath, '--import', 'tsx', import.meta.filename, '--child', repo, String(n)],
    { encoding: 'utf8', cwd: resolve(import.meta.dirname, '..') },
  )
  const m = /Collected : (\d+)/.exec(r.stderr)
  if (r.status !== 0 || !m) throw new Error(`callgrind run failed (is valgrind installed?):\n${r.stderr.slice(-2000)}`)
  return Number(m[1])
}

if (args[0] === '--child') {
  await child(args[1]!, Number(args[2]))
} else {
  const repo = resolve(arg('repo', resolve(import.meta.dirname, '..')))
  const n = Number(arg('n', '1500'))
  await prepare()
  // The empty run first, so that tsx's transform cache is warm for both runs alike.
  instructions(repo, 0)
  const base = instructions(repo, 0)
  const total = instructions(repo, n)
  console.log(`${repo}: ${((total - base) / n / 1e6).toFixed(3)} M instructions per scope (${n} scopes; process ${(base / 1e9).toFixed(2)} G without them)`)
}
