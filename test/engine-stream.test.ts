/**
 * `.stream()` streams for real on PostgreSQL (a portal read chunk by chunk) and MySQL/MariaDB (the socket paused
 * between chunks): the server is still sending while the first rows are read, rows before a mid-result error arrive
 * before the error, and stopping early leaves the connection and its transaction usable. PGlite returns whole
 * results, which it then yields in chunks.
 */
import { sql } from 'kysely'
import { beforeAll, beforeEach, expect, it } from 'vitest'
import { DbscopeError, ScopeTimeoutError } from '../src/index.js'
import { describeTargets } from './support/targets.js'
import { admin, eventually, idleInTransaction, sessionId } from './support/sessions.js'

interface DB {
  digits: { d: number }
  big: { n: number; pad: string }
  kept: { id: number }
}

/**
 * 100,000 rows of ~310 bytes (~31 MB): more than the socket buffers of a paused reader hold (a fresh loopback
 * connection's receive buffer starts at 128 kB and grows only while data is being read; sends cap at 4 MB here), so a
 * paused reader holds the server up.
 */
const BIG_ROWS = 100_000

describeTargets('streaming results', (t) => {
  // digits and big are only read; kept is written, so every test gets it new.
  beforeAll(() =>
    t.exec(`CREATE TABLE digits (d int NOT NULL);
      INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
      CREATE VIEW big AS SELECT a.d * 10000 + b.d * 1000 + c.d * 100 + e.d * 10 + f.d AS n, repeat('x', 300) AS pad
        FROM digits a, digits b, digits c, digits e, digits f;`),
  )
  beforeEach(() => t.exec('DROP TABLE IF EXISTS kept; CREATE TABLE kept (id int PRIMARY KEY)'))

  it('yields every row, in order, whatever the chunk size', async () => {
    const db = t.db<DB>()
    for (const chunk of [1, 7, 1000]) {
      let expected = 0
      let ordered = true
      for await (const row of db.kysely.selectFrom('big').select('n').where('n', '<', 5000).orderBy('n').stream(chunk)) {
        if (Number(row.n) !== expected++) ordered = false
      }
      expect(expected, `chunk ${chunk}`).toBe(5000)
      expect(ordered).toBe(true)
    }
    expect(db.stats().busy).toBe(0)
  }, 120_000) // chunk 1 is 5,000 round trips (twice as many hops through PgBouncer): slow on a loaded machine

  it('stopping early keeps the transaction: later statements run and commit', async () => {
    const db = t.db<DB>()
    let seen = 0
    let stillSending: unknown = 'not checked'
    await db.scope(async (tx) => {
      const id = await sessionId(t, tx)
      for await (const row of tx.selectFrom('big').selectAll().stream(100)) {
        if (seen++ === 0 && t.kind !== 'pglite') {
          // The reader holds the first chunk: the server is still in the statement (MySQL: blocked on a full socket;
          // PostgreSQL: its portal suspended, the statement not finished).
          stillSending =
            t.kind === 'mysql'
              ? (await admin<{ COMMAND: string }>(t, 'SELECT COMMAND FROM information_schema.PROCESSLIST WHERE ID = ?', [id]))[0]?.COMMAND
              : (await admin<{ state: string }>(t, 'SELECT state FROM pg_stat_activity WHERE pid = $1', [id]))[0]?.state
        }
        if (seen === 250) break
        expect(row.pad).toHaveLength(300)
      }
      await tx.insertInto('kept').values({ id: 1 }).execute()
    })
    expect(seen).toBe(250)
    if (t.kind !== 'pglite') expect(stillSending).toBe(t.kind === 'mysql' ? 'Query' : 'active')
    expect((await db.kysely.selectFrom('kept').select('id').execute()).map((r) => r.id)).toEqual([1])
    expect(db.stats().busy).toBe(0)
    expect(await idleInTransaction(t)).toBe(0)
  })

  it.skipIf(t.kind !== 'postgres')('rows before a mid-result error arrive first; the connection is clean afterwards', async () => {
    const db = t.db<DB>()
    let seen = 0
    const err = await (async () => {
      const stream = db.kysely
        .selectFrom(sql<{ n: number; x: number }>`(SELECT g AS n, 1 / (1500 - g) AS x FROM generate_series(1, 3000) g)`.as('s'))
        .selectAll()
        .stream(100)
      for await (const _row of stream) seen++
    })().catch((e: unknown) => e)
    // A whole-result read would fail before the first row; the portal hands over 1,400 rows first.
    expect(seen).toBeGreaterThanOrEqual(1400)
    expect(seen).toBeLessThan(1500)
    expect(err).toBeInstanceOf(DbscopeError)
    expect(String((err as Error).message)).toMatch(/division by zero/)
    expect(Number((await db.kysely.selectFrom('big').select((eb) => eb.fn.countAll().as('c')).executeTakeFirstOrThrow()).c)).toBe(BIG_ROWS)
    expect(db.stats().busy).toBe(0)
  })

  it.skipIf(t.kind === 'pglite')('a scope timeout while its stream waits for the reader ends the scope and frees the connection', async () => {
    const db = t.db<DB>()
    // Open the connection and run the statement once first: when this test runs first in the file, connecting and
    // planning (over a second on a loaded machine) must not use up the deadline before the first row arrives.
    for await (const _row of db.kysely.selectFrom('big').selectAll().stream(50)) break
    let seen = 0
    const started = Date.now()
    const err = await db
      .scope(async (tx) => {
        for await (const _row of tx.selectFrom('big').selectAll().stream(50)) {
          seen++
          await new Promise((r) => setTimeout(r, 5)) // a slow reader: the deadline passes mid-stream
        }
      }, { timeoutMs: 2_000 })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ScopeTimeoutError)
    expect(Date.now() - started).toBeLessThan(2_000 + 1_500)
    expect(seen).toBeGreaterThan(0)
    expect(seen).toBeLessThan(BIG_ROWS)
    expect(await eventually(async () => db.stats().busy === 0, 5_000)).toBe(true)
    expect(await eventually(async () => (await idleInTransaction(t)) === 0, 5_000)).toBe(true)
    // The pool is healthy afterwards.
    expect(Number((await db.kysely.selectFrom('digits').select((eb) => eb.fn.countAll().as('c')).executeTakeFirstOrThrow()).c)).toBe(10)
  })
})

