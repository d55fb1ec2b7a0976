/**
 * The chaos load: N scopes moving money between accounts at a fixed concurrency, with faults injected while it
 * runs, then the checks that must hold afterwards and one summary row for the table.
 *
 * @example
 * const row = await runLedgerLoad({ label: 'postgres', kind: 'postgres', url, directUrl: url, database, scopes: 1_000 })
 * assertLedgerHolds(row)
 */
import { appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { DbscopeError, defineDb, type Db } from '../../../src/index.js'

/** How many scopes a chaos load runs: 10,000 under `npm run test:chaos`, ~1,000 in `npm test` (CHAOS_SCOPES). */
export const CHAOS_SCOPES = Number(process.env.CHAOS_SCOPES ?? 1_000)

/** Where each load appends its summary row (set per run by the global setup); the teardown prints them as one table. */
const SUMMARY_FILE = process.env.DBSCOPE_CHAOS_SUMMARY ?? join(tmpdir(), `dbscope-chaos-summary-${process.ppid}.jsonl`)

const ACCOUNTS = 20
/** How long the pool-exhaustion fault holds every connection (longer than acquireTimeoutMs). */
const HOG_SECONDS = 2.75
const OPENING = 1_000

export type Kind = 'commit' | 'throw' | 'nested' | 'hook' | 'timeout' | 'retry'
/** The mix, by scope index modulo 20: half plain commits, the rest failures of every flavour. */
const MIX: readonly Kind[] = [
  'commit', 'commit', 'commit', 'commit', 'commit', 'commit', 'commit', 'commit', 'commit', 'commit',
  'throw', 'throw', 'nested', 'nested', 'hook', 'hook', 'timeout', 'retry', 'retry', 'retry',
]

export interface LoadOptions {
  readonly label: string
  readonly kind: 'postgres' | 'mysql'
  /** What the db under test connects to (PgBouncer's port for the pooler run). */
  readonly url: string
  /** The same database reached directly, for setup, sampling and the checks. */
  readonly directUrl: string
  readonly pooler?: 'pgbouncer'
  readonly scopes: number
  readonly concurrency?: number
  readonly poolMax?: number
  /** Kill a random server session of the database this often (pg_terminate_backend / KILL); 0 = never. */
  readonly killEveryMs?: number
  /** Hold every pooled connection for a while at 30 % of the run, so that waiting scopes hit acquireTimeoutMs. */
  readonly exhaustPool?: boolean
  /** Called once at 40 % of the run: a full server restart. */
  readonly restart?: () => Promise<void>
  /** The most server sessions the database may see; default poolMax (+ MySQL's short KILL QUERY connections). */
  readonly budget?: number
}

export interface LoadSummary {
  readonly label: string
  readonly scopes: number
  readonly committed: number
  readonly rolledBack: number
  readonly byCode: Record<string, number>
  readonly faults: { kills: number; exhaustions: number; restarts: number }
  /** Pool-exhaustion scopes that held their connection for the whole period. */
  readonly hogsHeld: number
  /** Why a hog scope failed, by error code (empty when the exhaustion held). */
  readonly hogErrors: readonly string[]
  readonly hookErrors: number
  readonly retriedCommits: number
  /** Scopes that committed after the restart completed (0 without a restart). */
  readonly committedAfterRestart: number
  readonly peakSessions: number
  readonly budget: number
  readonly peakPoolTotal: number
  readonly poolMax: number
  readonly ledgerSum: number
  readonly ledgerExpected: number
  /** Committed scopes whose log row is missing: must be empty. */
  readonly lostCommits: string[]
  /** Log rows of scopes that rejected with something other than a lost connection: must be empty. */
  readonly phantomRows: string[]
  /** Rejections that are neither the scope's own intended error nor a DbscopeError: must be empty. */
  readonly untyped: string[]
  /** Server sessions left busy or idle in transaction after the load: must be 0. */
  readonly leftBusy: number
  readonly endStats: { busy: number; waiting: number }
  readonly seconds: number
}

/** An error the scope throws on purpose; rejecting with it is the expected outcome. */
class Intended extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A short-lived admin connection for setup, sampling and kills. */
interface Admin {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>
  close(): Promise<void>
}

async function openAdmin(kind: 'postgres' | 'mysql', url: string): Promise<Admin> {
  if (kind === 'postgres') {
    const c = new pg.Client({ connectionString: url, application_name: 'dbscope-chaos-admin' })
    c.on('error', () => undefined)
    await c.connect()
    return { query: async (t, p) => (await c.query(t, p)).rows, close: () => c.end().catch(() => undefined) }
  }
  const c = await mysql.createConnection({ uri: url, multipleStatements: true })
  c.on('error', () => undefined)
  return { query: async (t, p) => (await c.query(t, p))[0] as never, close: () => c.end().catch(() => undefined) }
}

/** An admin connection that reconnects after a server restart. */
function resilientAdmin(kind: 'postgres' | 'mysql', url: string) {
  let current: Promise<Admin> | undefined
  return {
    async query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]> {
      try {
        return await (await (current ??= openAdmin(kind, url))).query<R>(text, params)
      } catch (err) {
        const old = current
        current = undefined
        void old?.then((a) => a.close(), () => undefined)
        throw err
      }
    },
    async close() {
      await (await current?.catch(() => undefined))?.close()
    },
  }
}

function serverDatabaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1))
}

/** Records unhandled errors and rejections for the duration of a load (the process must never see one). */
export function watchProcess(): { readonly seen: string[]; stop(): void } {
  const seen: string[] = []
  const onRejection = (r: unknown) => void seen.push(`unhandledRejection: ${String((r as Error)?.stack ?? r)}`)
  const onException = (e: Error) => void seen.push(`uncaughtException: ${e.stack ?? e.message}`)
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return {
    seen,
    stop() {
      process.off('unhandledRejection', onRejection)
      process.off('uncaughtException', onException)
    },
  }
}

/** Runs the load with its faults and returns the summary (the caller asserts on it). */
export async function runLedgerLoad(o: LoadOptions): Promise<LoadSummary> {
  const concurrency = o.concurrency ?? 64
  const poolMax = o.poolMax ?? 8
  const database = serverDatabaseOf(o.directUrl)
  const admin = resilientAdmin(o.kind, o.directUrl)
  await admin.query(`CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)`)
  await admin.query(`CREATE TABLE ledger_log (id varchar(40) PRIMARY KEY)`)
  await admin.query(`INSERT INTO accounts (id, balance) VALUES ${Array.from({ length: ACCOUNTS }, (_, i) => `(${i + 1}, ${OPENING})`).join(', ')}`)

  let hookErrors = 0
  const db: Db<any> = defineDb({
    url: o.url,
    pooler: o.pooler,
    pool: { max: poolMax, acquireTimeoutMs: 1_500, connectTimeoutMs: 3_000, leakWarnMs: 0 },
    guard: { budget: 'off' },
    applicationName: 'dbscope-chaos',
    onHookError: () => void hookErrors++,
    logger: { warn: () => undefined },
  })

  const committed = new Set<string>()
  const ambiguous = new Set<string>() // rejected with a lost connection: the COMMIT may or may not have landed
  const byCode: Record<string, number> = {}
  const untyped: string[] = []
  let retriedCommits = 0
  let restarted = false
  let restartDone: Promise<void> | undefined
  let committedAfterRestart = 0
  const faults = { kills: 0, exhaustions: 0, restarts: 0 }

  const transfer = async (tx: Kysely<any>, logId: string) => {
    const a = 1 + Math.floor(Math.random() * ACCOUNTS)
    const b = 1 + ((a + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS)
    const amount = 1 + Math.floor(Math.random() * 10)
    // Lower id first: a fixed lock order keeps deadlocks out of the plain mix.
    for (const [id, delta] of (a < b ? [[a, -amount], [b, amount]] : [[b, amount], [a, -amount]]) as [number, number][]) {
      await sql`UPDATE accounts SET balance = balance + ${delta} WHERE id = ${id}`.execute(tx)
    }
    await sql`INSERT INTO ledger_log (id) VALUES (${logId})`.execute(tx)
  }
  const sleepSql = (s: number) => sql.raw(o.kind === 'mysql' ? `SELECT SLEEP(${s})` : `SELECT pg_sleep(${s})`)
  const forceSerializationFailure = () =>
    sql.raw(
      o.kind === 'mysql'
        ? `SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'chaos: forced serialization failure'`
        : `DO $$ BEGIN RAISE EXCEPTION 'chaos: forced serialization failure' USING ERRCODE = '40001'; END $$`,
    )

  const runOne = async (i: number): Promise<void> => {
    const id = `s${i}`
    const kind = MIX[i % MIX.length]!
    let attempts = 0
    try {
      switch (kind) {
        case 'commit':
          await db.scope((tx) => transfer(tx, id))
          break
        case 'throw':
          await db.scope(async (tx) => {
            await transfer(tx, id)
            throw new Intended('chaos: throw after writing')
          })
          break
        case 'nested':
          await db.scope(async (tx) => {
            await transfer(tx, id)
            try {
              await db.scope(async (inner) => {
                await transfer(inner, `${id}-inner`)
                throw new Intended('chaos: savepoint failure')
              })
            } catch (err) {
              if (!(err instanceof Intended)) throw err
            }
          })
          break
        case 'hook':
          await db.scope(async (tx) => {
            await transfer(tx, id)
            tx.afterCommit(() => {
              throw new Error('chaos: afterCommit hook throws')
            })
          })
          break
        case 'timeout':
          await db.scope(async (tx) => {
            await transfer(tx, id)
            await sleepSql(2).execute(tx)
          }, { timeoutMs: 200 })
          break
        case 'retry':
          await db.scope(async (tx) => {
            attempts++
            await transfer(tx, id)
            if (attempts === 1) await forceSerializationFailure().execute(tx)
          }, { retry: { attempts: 4, backoff: { baseMs: 5, maxMs: 50 } } })
          if (attempts > 1) retriedCommits++
          break
      }
      committed.add(id)
      if (restarted) committedAfterRestart++
    } catch (err) {
      if (err instanceof Intended) {
        byCode['INTENDED_THROW'] = (byCode['INTENDED_THROW'] ?? 0) + 1
      } else if (err instanceof DbscopeError) {
        byCode[err.code] = (byCode[err.code] ?? 0) + 1
        if (err.code === 'CONNECTION_LOST') ambiguous.add(id)
      } else {
        untyped.push(`${kind} ${id}: ${String((err as Error)?.stack ?? err)}`)
      }
    }
  }

  // Sampling: the database's server sessions, and the pool's own total.
  let peakSessions = 0
  let peakPoolTotal = 0
  let sampling = true
  const sessionsSql =
    o.kind === 'postgres'
      ? `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()`
      : // MariaDB keeps a KILLed thread listed until it has closed; it no longer holds a connection slot's work.
        `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND COMMAND <> 'Killed'`
  const sampler = (async () => {
    while (sampling) {
      peakPoolTotal = Math.max(peakPoolTotal, db.stats().total)
      try {
        const [row] = await admin.query<{ n: number | string }>(sessionsSql, [database])
        peakSessions = Math.max(peakSessions, Number(row!.n))
      } catch {
        /* the server is restarting */
      }
      await sleep(50)
    }
  })()

  const sessionIdsSql =
    o.kind === 'postgres'
      ? `SELECT pid AS id FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'
           AND application_name <> 'dbscope-chaos-admin' AND coalesce(query, '') NOT LIKE '%${HOG_SECONDS})%'`
      : `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND COMMAND <> 'Killed'
           AND coalesce(INFO, '') NOT LIKE '%${HOG_SECONDS})%'`
  const killOne = async () => {
    const rows = await admin.query<{ id: number | string }>(sessionIdsSql, [database])
    if (rows.length === 0) return
    const victim = Number(rows[Math.floor(Math.random() * rows.length)]!.id)
    if (o.kind === 'postgres') await admin.query('SELECT pg_terminate_backend($1)', [victim])
    else await admin.query(`KILL ${victim}`).catch(() => undefined) // it may have closed on its own meanwhile
    faults.kills++
  }
  let killing = (o.killEveryMs ?? 0) > 0
  let exhausting = false
  let hogsHeld = 0
  const hogErrors: string[] = []
  let killInFlight: Promise<void> = Promise.resolve()
  const killer = (async () => {
    while (killing) {
      await sleep(o.killEveryMs!)
      // Paused while the pool is exhausted on purpose, so that the exhaustion lasts.
      if (killing && !exhausting) {
        killInFlight = killOne().catch(() => undefined)
        await killInFlight
      }
    }
  })()
  /** Resolves when nothing else is in the pool or queued for it; the workers are paused meanwhile. */
  const poolDrained = async () => {
    for (let s = db.stats(); s.busy > 0 || s.waiting > 0; s = db.stats()) await sleep(5)
  }
  let paused: Promise<unknown> | undefined

  const started = Date.now()
  let next = 0
  const sideFaults: Promise<unknown>[] = []
  // Every pooled connection held for longer than acquireTimeoutMs: scopes queued behind get PoolTimeoutError.
  // Deterministic: the workers and the killer pause, the pool drains, the hogs take every connection (none queues
  // behind the load's waiters, where it could time out itself), and only then does the load resume and queue up.
  const exhaust = async () => {
    faults.exhaustions++
    exhausting = true
    await killInFlight
    await poolDrained()
    let holding = 0
    const hogs = Array.from({ length: poolMax }, () =>
      db.scope(async (tx) => {
        holding++
        await sleepSql(HOG_SECONDS).execute(tx)
      }).then(
        () => void hogsHeld++,
        (err: unknown) => void hogErrors.push(err instanceof DbscopeError ? err.code : String(err)),
      ),
    )
    sideFaults.push(Promise.all(hogs).then(() => (exhausting = false)))
    while (holding < poolMax && hogErrors.length === 0) await sleep(5)
  }
  const worker = async () => {
    while (next < o.scopes) {
      await paused
      const i = next++
      if (o.exhaustPool && i === Math.floor(o.scopes * 0.3)) {
        paused = exhaust()
        await paused
      }
      if (o.restart && i === Math.floor(o.scopes * 0.4)) {
        faults.restarts++
        restartDone = o.restart().then(() => void (restarted = true))
        sideFaults.push(restartDone)
      }
      // The last tenth starts only once the server is back: scopes that fail fast during the outage must not use up
      // the load before it, or "scopes commit again after the restart" would be a race, not a test.
      if (restartDone && i >= Math.floor(o.scopes * 0.9)) await restartDone
      await runOne(i)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  await Promise.all(sideFaults)
  killing = false
  await killer
  sampling = false
  await sampler

  // Afterwards: nothing busy in the pool, nothing busy or idle in transaction on the server.
  const endStats = db.stats()
  const busySql =
    o.kind === 'postgres'
      ? `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state <> 'idle'`
      : `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST p WHERE p.DB = ? AND p.ID <> CONNECTION_ID() AND p.COMMAND <> 'Killed'
           AND (p.COMMAND <> 'Sleep' OR EXISTS (SELECT 1 FROM information_schema.INNODB_TRX t WHERE t.trx_mysql_thread_id = p.ID))`
  let leftBusy = -1
  for (let k = 0; k < 50; k++) {
    leftBusy = Number((await admin.query<{ n: number | string }>(busySql, [database]))[0]!.n)
    if (leftBusy === 0) break
    await sleep(100)
  }
  const [sumRow] = await admin.query<{ s: number | string }>(`SELECT SUM(balance) AS s FROM accounts`)
  const logged = new Set((await admin.query<{ id: string }>(`SELECT id FROM ledger_log`)).map((r) => r.id))
  await db.dispose()
  await admin.close()

  const summary: LoadSummary = {
    label: o.label,
    scopes: o.scopes,
    committed: committed.size,
    rolledBack: o.scopes - committed.size,
    byCode,
    faults,
    hogsHeld,
    hogErrors,
    hookErrors,
    retriedCommits,
    committedAfterRestart,
    peakSessions,
    budget: o.budget ?? poolMax + (o.kind === 'mysql' ? 2 : 0),
    peakPoolTotal,
    poolMax,
    ledgerSum: Number(sumRow!.s),
    ledgerExpected: ACCOUNTS * OPENING,
    lostCommits: [...committed].filter((id) => !logged.has(id)),
    phantomRows: [...logged].filter((id) => !committed.has(id) && !ambiguous.has(id)),
    untyped,
    leftBusy,
    endStats: { busy: endStats.busy, waiting: endStats.waiting },
    seconds: Math.round((Date.now() - started) / 100) / 10,
  }
  appendFileSync(SUMMARY_FILE, `${JSON.stringify(summary)}\n`)
  process.stdout.write(`\n${formatSummary([summary])}\n`)
  return summary
}

/** The summary table: one row per load. */
export function formatSummary(rows: readonly LoadSummary[]): string {
  const header = ['load', 'scopes', 'committed', 'rolled back', 'kills', 'exhaust', 'restarts', 'peak conns / budget', 'pool peak / max', 'ledger sum', 'lost', 'untyped', 'seconds']
  const lines = rows.map((r) => [
    r.label,
    String(r.scopes),
    String(r.committed),
    String(r.rolledBack),
    String(r.faults.kills),
    String(r.faults.exhaustions),
    String(r.faults.restarts),
    `${r.peakSessions} / ${r.budget}`,
    `${r.peakPoolTotal} / ${r.poolMax}`,
    `${r.ledgerSum} ${r.ledgerSum === r.ledgerExpected ? '= ' : '≠ '}${r.ledgerExpected}`,
    String(r.lostCommits.length),
    String(r.untyped.length),
    String(r.seconds),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const fmt = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  const codes = rows.map((r) => `${r.label}: ${Object.entries(r.byCode).map(([k, v]) => `${k} ${v}`).join(', ')}${r.faults.exhaustions > 0 ? `; exhaustion held ${r.hogsHeld} connections` : ''}; hook errors ${r.hookErrors}; retried commits ${r.retriedCommits}`)
  return [
    fmt(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.map(fmt),
    'Invariant: SUM(accounts.balance) equals the opening total; every committed scope has its ledger_log row; no row of a scope that rolled back.',
    ...codes,
  ].join('\n')
}
