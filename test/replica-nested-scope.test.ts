import { beforeEach, describe, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import { ForeignConnectionError, QueryError, defineDb } from '../src/index.js'
import { useStreamingPair, type StreamingPair } from './support/streaming-pair.js'

interface DB {
  notes: { id: number; body: string }
}

/** Where a statement runs: the server's port, the backend, and the transaction's start time (one per transaction). */
const where = async (k: Kysely<any>) =>
  (await sql<{ port: number; pid: number; started: string }>`SELECT inet_server_port() AS port, pg_backend_pid() AS pid, now()::text AS started`.execute(k)).rows[0]!

async function primaryHas(url: string, id: number): Promise<boolean> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return (await c.query('SELECT 1 FROM notes WHERE id = $1', [id])).rowCount === 1
  } finally {
    await c.end()
  }
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e)

// A scope nested in a readOnly scope that was routed to a replica joins that transaction, on that replica, as a savepoint.
describe('a scope nested in a replica-routed readOnly scope [real streaming pair]', () => {
  const pairs = useStreamingPair({}, 'CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)')
  let pair: StreamingPair
  beforeEach(() => {
    pair = pairs.pair
  })

  it('runs on the same replica backend, in the same transaction, as a savepoint', async () => {
    const db = defineDb<DB>({ url: pair.primary.url, replicas: [pair.replica.url] })
    try {
      const seen = await db.scope(
        async (outer) => {
          const before = await where(outer)
          const inner = await db.scope((tx) => where(tx))
          // A failing nested scope rolls back to its savepoint only: the outer transaction goes on.
          const failed = await failure(db.scope((tx) => sql`SELECT 1 / 0`.execute(tx)))
          const after = await where(outer)
          return { before, inner, failed, after }
        },
        { readOnly: true },
      )
      expect(seen.before.port).toBe(pair.replica.port)
      expect(seen.inner).toEqual(seen.before)
      expect(seen.after).toEqual(seen.before)
      expect(seen.failed).toBeInstanceOf(QueryError)
      expect((seen.failed as QueryError).sqlState).toBe('22012')
    } finally {
      await db.dispose()
    }
  })

  it('a write in it fails as the server says (read-only transaction), and nothing reaches the primary', async () => {
    const db = defineDb<DB>({ url: pair.primary.url, replicas: [pair.replica.url] })
    try {
      const id = 7_001
      const err = await failure(
        db.scope(async () => {
          await db.scope((tx) => tx.insertInto('notes').values({ id, body: 'must not be written' }).execute())
        }, { readOnly: true }),
      )
      expect(err).toBeInstanceOf(QueryError)
      expect((err as QueryError).sqlState).toBe('25006') // read_only_sql_transaction
      expect((err as Error).message).toMatch(/read-only transaction/)
      expect(await primaryHas(pair.primary.url, id)).toBe(false)
    } finally {
      await db.dispose()
    }
  })

  it("db.kysely inside it gets the foreign-query warning (and 'throw' refuses it), like inside any other scope", async () => {
    const warnings: string[] = []
    const db = defineDb<DB>({ url: pair.primary.url, replicas: [pair.replica.url], logger: { warn: (m) => void warnings.push(m) } })
    try {
      const port = await db.scope(async (tx) => {
        await where(tx)
        return (await where(db.kysely)).port
      }, { readOnly: true })
      expect(port).toBe(pair.primary.port)
      expect(warnings.join('\n')).toContain(new ForeignConnectionError().message)
    } finally {
      await db.dispose()
    }
    const strict = defineDb<DB>({ url: pair.primary.url, replicas: [pair.replica.url], guard: { foreignQuery: 'throw' } })
    try {
      const err = await failure(strict.scope(() => where(strict.kysely), { readOnly: true }))
      expect(err).toBeInstanceOf(ForeignConnectionError)
    } finally {
      await strict.dispose()
    }
  })
})
