/**
 * Acceptance: thousands of scopes at concurrency 32 on a pool of 4, mixing commit, throw, nested failure, throwing
 * hook, timeout, and a retry after a real serialization failure (PostgreSQL) or deadlock (MariaDB). Afterwards no
 * connection is busy, the server holds no open transaction, and the ledger has exactly the committed rows.
 *
 * PGlite runs 300 scopes on its single session and leaves out the retry (one session cannot conflict with itself)
 * and the server-side sleep (it would block the event loop); its timeouts happen while the callback waits in JS.
 */
import { expect, it } from 'vitest'
import { sql } from 'kysely'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { ScopeTimeoutError, type Db } from '../src/index.js'
import { describeTargets, type Target } from './support/targets.js'
import { idleInTransaction, sleepStatement } from './support/sessions.js'

interface DB {
  ledger: { id: number; kind: string }
  hot: { id: number; n: number }
  scratch: { id: number }
}

type Kind = 'commit' | 'throw' | 'nested' | 'hook' | 'timeout' | 'retry'
const NESTED_OFFSET = 1_000_000

/** mulberry32: a small seeded PRNG, so a failing mix can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

function pick(r: number, server: boolean): Kind {
  if (r < 0.3) return 'commit'
  if (r < 0.48) return 'throw'
  if (r < 0.66) return 'nested'
  if (r < 0.8) return 'hook'
  if (r < 0.88) return 'timeout'
  return server ? 'retry' : 'commit'
}

/**
 * A second session that interferes with a scope's first attempt, for real: on PostgreSQL it commits an update to
 * a row the scope has read (→ 40001 when the scope updates it); on MariaDB it takes the scope's second row and
 * waits for its first, with more undo than the scope so that InnoDB picks the scope as the deadlock victim (→ 1213).
 */
class Interferer {
  #tail: Promise<unknown> = Promise.resolve()
  constructor(
    readonly t: Target,
    readonly pgClient: pg.Client | undefined,
    readonly my: mysql.Connection | undefined,
  ) {}

  static async open(t: Target): Promise<Interferer> {
    if (t.kind === 'postgres') {
      const c = new pg.Client({ connectionString: t.url })
      await c.connect()
      return new Interferer(t, c, undefined)
    }
    return new Interferer(t, undefined, await mysql.createConnection({ uri: t.url }))
  }

  /** Resolves once the interference is in place; the session is freed in the background. */
  interfere(k: number): Promise<void> {
    let ready!: () => void
    const inPlace = new Promise<void>((r) => (ready = r))
    this.#tail = this.#tail.then(async () => {
      if (this.pgClient) {
        await this.pgClient.query('UPDATE hot SET n = n + 1 WHERE id = $1', [k])
        ready()
        return
      }
      const c = this.my!
      await c.query('START TRANSACTION')
      await c.query('INSERT INTO scratch (id) VALUES ' + Array.from({ length: 20 }, (_, i) => `(${k * 100 + i})`).join(','))
      await c.query('UPDATE hot SET n = n + 1 WHERE id = ?', [2 * k + 1])
      const blocked = c.query('UPDATE hot SET n = n + 1 WHERE id = ?', [2 * k]).catch(() => undefined)
      // Let the blocked UPDATE reach the server before the scope goes on.
      await new Promise((r) => setTimeout(r, 20))
      ready()
      await blocked
      await c.query('ROLLBACK')
    })
    return inPlace
  }

  async close(): Promise<void> {
    await this.#tail.catch(() => undefined)
    await this.pgClient?.end()
    await this.my?.end()
  }
}

async function retryScope(t: Target, db: Db<DB>, id: number, interferer: Interferer, attempts: { n: number }) {
  return db.scope(async (tx) => {
    attempts.n++
    const first = attempts.n === 1
    await tx.insertInto('ledger').values({ id, kind: 'retry' }).execute()
    if (t.kind === 'postgres') {
      await tx.selectFrom('hot').select('n').where('id', '=', id).execute()
      if (first) await interferer.interfere(id)
      await tx.updateTable('hot').set((eb) => ({ n: eb('n', '+', 1) })).where('id', '=', id).execute()
    } else {
      await tx.updateTable('hot').set((eb) => ({ n: eb('n', '+', 1) })).where('id', '=', 2 * id).execute()
      if (first) await interferer.interfere(id)
      await tx.updateTable('hot').set((eb) => ({ n: eb('n', '+', 1) })).where('id', '=', 2 * id + 1).execute()
    }
  }, { isolation: 'repeatable read', retry: { attempts: 3, backoff: { baseMs: 2, maxMs: 10 } } })
}

describeTargets('randomized scopes leave nothing behind', (t) => {
  it('keeps the ledger exact and the pool and server clean', async () => {
    const server = t.name !== 'pglite'
    const total = server ? 2_000 : 300
    const seed = Number(process.env.DBSCOPE_SEED ?? Date.now() % 100_000)
    const rand = prng(seed)
    await t.exec('CREATE TABLE ledger (id int PRIMARY KEY, kind varchar(20) NOT NULL)')
    await t.exec('CREATE TABLE hot (id int PRIMARY KEY, n int NOT NULL)')
    await t.exec('CREATE TABLE scratch (id int PRIMARY KEY)')
    if (server) {
      const rows = Array.from({ length: 2 * total + 2 }, (_, i) => `(${i}, 0)`).join(',')
      await t.exec(`INSERT INTO hot (id, n) VALUES ${rows}`)
    }
    const hookErrors: unknown[] = []
    const db = t.db<DB>({ pool: { max: 4, acquireTimeoutMs: 30_000 }, onHookError: (e) => hookErrors.push(e) })
    const interferer = server ? await Interferer.open(t) : undefined
    const expected = new Set<number>()
    const problems: string[] = []
    const counts: Record<Kind, number> = { commit: 0, throw: 0, nested: 0, hook: 0, timeout: 0, retry: 0 }
    let retried = 0

    const one = async (id: number, kind: Kind): Promise<void> => {
      counts[kind]++
      const row = { id, kind }
      switch (kind) {
        case 'commit':
          await db.scope((tx) => tx.insertInto('ledger').values(row).execute())
          expected.add(id)
          return
        case 'throw': {
          const boom = new Error(`throw ${id}`)
          const got = await db.scope(async (tx) => {
            await tx.insertInto('ledger').values(row).execute()
            throw boom
          }).catch((e: unknown) => e)
          if (got !== boom) problems.push(`${id}: throw rejected with ${String(got)}`)
          return
        }
        case 'nested':
          await db.scope(async (tx) => {
            await tx.insertInto('ledger').values(row).execute()
            await db.scope(async (inner) => {
              await inner.insertInto('ledger').values({ id: id + NESTED_OFFSET, kind: 'inner' }).execute()
              throw new Error('inner fails')
            }).catch(() => undefined)
          })
          expected.add(id)
          return
        case 'hook':
          await db.scope(async (tx) => {
            await tx.insertInto('ledger').values(row).execute()
            tx.afterCommit(() => {
              throw new Error(`hook ${id}`)
            })
          })
          expected.add(id)
          return
        case 'timeout': {
          const got = await db.scope(async (tx) => {
            await tx.insertInto('ledger').values(row).execute()
            if (server) await sleepStatement(t, 1).execute(tx)
            else await new Promise((r) => setTimeout(r, 150))
          }, { timeoutMs: 60 }).catch((e: unknown) => e)
          if (!(got instanceof ScopeTimeoutError)) problems.push(`${id}: timeout scope ended with ${String(got)}`)
          return
        }
        case 'retry': {
          const attempts = { n: 0 }
          await retryScope(t, db, id, interferer!, attempts)
          if (attempts.n >= 2) retried++
          expected.add(id)
          return
        }
      }
    }

    const kinds = Array.from({ length: total }, () => pick(rand(), server))
    let next = 0
    const started = Date.now()
    const worker = async () => {
      while (next < total) {
        const id = next++
        try {
          await one(id, kinds[id]!)
        } catch (err) {
          problems.push(`${id} (${kinds[id]}): ${err instanceof Error ? err.message : String(err)}`)
        }
      }
    }
    await Promise.all(Array.from({ length: 32 }, worker))
    const elapsed = Date.now() - started
    await interferer?.close()

    expect(problems, `seed ${seed}`).toEqual([])
    // Timed-out scopes finish their rollback in the background within the grace; give them a moment.
    for (let i = 0; i < 40 && db.stats().busy > 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(db.stats().busy, `seed ${seed}`).toBe(0)
    expect(await idleInTransaction(t)).toBe(0)
    const present = (await db.kysely.selectFrom('ledger').select('id').execute()).map((r) => r.id)
    const missing = [...expected].filter((id) => !present.includes(id))
    const extra = present.filter((id) => !expected.has(id))
    expect({ missing, extra }, `seed ${seed}`).toEqual({ missing: [], extra: [] })
    expect(hookErrors.length).toBe(counts.hook)
    if (server) expect(retried, `seed ${seed}: scopes that re-ran after a forced conflict`).toBe(counts.retry)
    if (server) {
      const scratch = await sql<{ n: number | string }>`SELECT count(*) AS n FROM scratch`.execute(db.kysely)
      expect(Number(scratch.rows[0]!.n)).toBe(0)
    }
    console.log(`[${t.name}] ${total} scopes in ${elapsed} ms, seed ${seed}:`, counts)
  }, 120_000)
})
