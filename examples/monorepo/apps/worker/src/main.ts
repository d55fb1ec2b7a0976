/**
 * A node:cluster worker pool draining the `jobs` table. The primary holds no pool; each worker defines its own db
 * through `createDb` with the guard's connection budget, `guard: { budget: 'clamp', workers: N }`, so N pools of
 * `POOL_MAX` never exceed the server's max_connections: a pool that would is clamped on its first connect.
 *
 * @example
 * DATABASE_URL=postgres://app@127.0.0.1/app WORKERS=4 POOL_MAX=20 node dist/main.js
 */
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import { createDb } from '@acme/data/create-db'

const WORKERS = Number(process.env.WORKERS ?? availableParallelism())
const POOL_MAX = Number(process.env.POOL_MAX ?? 10)
/** Claim loops per worker; each holds at most one connection at a time. */
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4)
const BATCH = 5

/** What a worker reports to the primary when the queue is empty. */
interface Report {
  readonly pid: number
  readonly processed: number
  readonly peakBusy: number
}

if (cluster.isPrimary) await runPrimary()
else await runWorker()

async function runPrimary(): Promise<void> {
  const reports: Report[] = []
  const exits: Promise<number>[] = []
  for (let i = 0; i < WORKERS; i++) {
    const worker = cluster.fork()
    worker.on('message', (m: Report) => reports.push(m))
    exits.push(new Promise((resolve) => worker.on('exit', (code) => resolve(code ?? 1))))
  }
  const codes = await Promise.all(exits)
  const processed = reports.reduce((n, r) => n + r.processed, 0)
  console.log(JSON.stringify({ msg: 'all workers done', workers: WORKERS, processed, reports, exitCodes: codes }))
  process.exitCode = codes.every((c) => c === 0) ? 0 : 1
}

async function runWorker(): Promise<void> {
  const db = createDb({
    pool: { max: POOL_MAX },
    guard: { budget: 'clamp', workers: WORKERS },
    logger: { warn: (message) => console.log(JSON.stringify({ pid: process.pid, msg: message })) },
  })
  let processed = 0
  let peakBusy = 0
  /** Claims up to BATCH pending jobs and completes them in one transaction; 0 when the queue is empty. */
  const claim = () =>
    db.scope(async (tx) => {
      const jobs = await tx.selectFrom('jobs').select(['id', 'payload']).where('done_at', 'is', null).orderBy('id').limit(BATCH).forUpdate().skipLocked().execute()
      for (const job of jobs) {
        await tx.updateTable('jobs').set({ result: job.payload.toUpperCase(), done_by: process.pid, done_at: new Date() }).where('id', '=', job.id).execute()
      }
      peakBusy = Math.max(peakBusy, db.stats().busy)
      return jobs.length
    })
  const loop = async () => {
    for (let n = await claim(); n > 0; n = await claim()) processed += n
  }
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, loop))
    process.send?.({ pid: process.pid, processed, peakBusy } satisfies Report)
  } finally {
    await db.dispose()
  }
  cluster.worker?.disconnect()
}
