/**
 * Pins every node-postgres internal that src/dialects/postgres/pg-internals.ts fences, against the installed pg and
 * a real PostgreSQL: a pg upgrade that moves one of them fails here, by name, instead of somewhere in a scope.
 */
import pg from 'pg'
import { CompiledQuery } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { PostgresConnection } from '../src/dialects/postgres/connection.js'
import { backendPid, destroySocket, hasActiveQuery, onNextReadyForQuery, onParameterStatus, parseArrayLiteral, sendCancelRequest } from '../src/dialects/postgres/pg-internals.js'
import { StatementCaches } from '../src/dialects/postgres/statements.js'
import { useTestDatabase } from './support/test-db.js'

const testDb = useTestDatabase('postgres', 'pg_internals')
const open: pg.Client[] = []

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: testDb.url })
  c.on('error', () => undefined)
  await c.connect()
  open.push(c)
  return c
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)))
})

describe('node-postgres internals', () => {
  it('pg.Query has the protocol hooks the pipeline and the portal stream override', () => {
    const proto = pg.Query.prototype as unknown as Record<string, unknown>
    for (const hook of ['prepare', '_getRows', 'handlePortalSuspended', 'handleCommandComplete', 'handleEmptyQuery', 'handleError']) {
      expect(typeof proto[hook], hook).toBe('function')
    }
  })

  it('a connected client exposes its backend key, wire connection, socket and record of parsed statements', async () => {
    const c = await client()
    const internals = c as unknown as { processID: unknown; secretKey: unknown; _getActiveQuery: unknown; connection: Record<string, unknown> }
    expect(typeof internals.processID).toBe('number')
    expect(typeof internals.secretKey).toBe('number')
    expect(typeof internals._getActiveQuery).toBe('function')
    expect(typeof (internals.connection.stream as { destroy?: unknown }).destroy).toBe('function')
    expect(typeof internals.connection.parsedStatements).toBe('object')
    for (const m of ['parse', 'bind', 'execute', 'describe', 'close', 'flush', 'sync', 'cancel', 'connect']) expect(typeof internals.connection[m], m).toBe('function')
    const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
    expect(backendPid(c)).toBe(rows[0]!.pid)
  })

  it('a parameterless prefix (BEGIN) sent in the pipeline before a statement takes effect', async () => {
    const conn = new PostgresConnection(await client(), undefined)
    await conn.queryAfter([CompiledQuery.raw('BEGIN')], 'CREATE TEMP TABLE pinned_t (x int)', [])
    await conn.query('ROLLBACK', [])
    const r = await conn.query<{ t: string | null }>(`SELECT to_regclass('pg_temp.pinned_t')::text AS t`, [])
    expect(r.rows[0]!.t).toBeNull()
  })

  it('a statement with parameters becomes a named prepared statement on the server, and closing it drops it', async () => {
    const caches = new StatementCaches(1, () => undefined)
    const conn = new PostgresConnection(await client(), caches.forConnection())
    const named = () => conn.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'dbscope_%' ORDER BY name`, [])
    await conn.query('SELECT $1::int AS a', [1])
    const first = (await named()).rows.map((r) => r.name)
    expect(first).toHaveLength(1)
    await conn.query('SELECT $1::int AS b', [2]) // evicts the first (cache of one); Close goes out with the next statement
    await conn.query('SELECT $1::int AS c', [3])
    const later = (await named()).rows.map((r) => r.name)
    expect(later).not.toContain(first[0])
  })

  it('a portal streams in chunks of the asked size', async () => {
    const conn = new PostgresConnection(await client(), undefined)
    const sizes: number[] = []
    for await (const chunk of conn.stream('SELECT g FROM generate_series(1, 10) g', [], 3)) sizes.push(chunk.rows.length)
    expect(sizes).toEqual([3, 3, 3, 1])
  })

  it('sendCancelRequest cancels the running statement; hasActiveQuery sees it running', async () => {
    const target = await client()
    const sleeping = target.query('SELECT pg_sleep(20)').then(
      () => 'finished',
      (err: { code?: string }) => err.code,
    )
    await new Promise((r) => setTimeout(r, 200))
    expect(hasActiveQuery(target)).toBe(true)
    await sendCancelRequest({ connectionString: testDb.url }, target, 2_000)
    expect(await sleeping).toBe('57014')
    expect(hasActiveQuery(target)).toBe(false)
  })

  it('destroySocket drops the connection at once and it reports itself broken', async () => {
    const c = await client()
    const conn = new PostgresConnection(c, undefined)
    const broken = new Promise<Error>((r) => conn.onBroken(r))
    destroySocket(c)
    await broken
    expect(conn.broken).toBe(true)
  })

  it("the wire connection emits each ParameterStatus, those at connect and a session's later changes", async () => {
    const c = new pg.Client({ connectionString: testDb.url })
    c.on('error', () => undefined)
    const seen: [string, string][] = []
    onParameterStatus(c, (name, value) => void seen.push([name, value]))
    await c.connect()
    open.push(c)
    expect(seen).toContainEqual(['in_hot_standby', 'off'])
    expect(seen).toContainEqual(['default_transaction_read_only', 'off'])
    await c.query('SET default_transaction_read_only = on')
    expect(seen.at(-1)).toEqual(['default_transaction_read_only', 'on'])
  })

  it('onNextReadyForQuery, called from a failed statement, fires once, at the end of that answer', async () => {
    const c = await client()
    const events: string[] = []
    await new Promise<void>((resolve) => {
      c.query('SELECT 1/0', (err) => {
        events.push(err ? 'error' : 'no error')
        onNextReadyForQuery(c, () => {
          events.push('ready')
          resolve()
        })
        // Without access to the wire connection it would call back at once, before this line.
        events.push('waiting')
      })
    })
    await c.query('SELECT 1')
    expect(events).toEqual(['error', 'waiting', 'ready'])
  })

  it("pg-types' array parser parses a literal element by element", () => {
    expect(parseArrayLiteral('{1,NULL,"a b","{x}"}', (t) => `<${t}>`)).toEqual(['<1>', null, '<a b>', '<{x}>'])
  })
})
