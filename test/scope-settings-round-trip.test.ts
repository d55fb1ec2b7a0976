/**
 * On PostgreSQL a scope's settings and role travel in the same round trip as BEGIN and its first statement: a scope
 * with them takes as many round trips as one without. Counted as the server's ReadyForQuery messages (one per Sync,
 * so one per round trip), observed on node-postgres's connection without changing what it does.
 */
import { afterEach, beforeEach, expect, it } from 'vitest'
import pg from 'pg'
import { sql } from 'kysely'
import { describeTargets } from './support/targets.js'

type Emit = (event: string, ...args: unknown[]) => boolean
const connectionProto = (pg as unknown as { Connection: { prototype: { emit: Emit } } }).Connection.prototype
let roundTrips = 0
let originalEmit: Emit | undefined

beforeEach(() => {
  originalEmit = connectionProto.emit
  const emit = originalEmit
  connectionProto.emit = function (this: unknown, event: string, ...args: unknown[]) {
    if (event === 'readyForQuery') roundTrips++
    return emit.call(this, event, ...args)
  }
})
afterEach(() => {
  if (originalEmit) connectionProto.emit = originalEmit
})

describeTargets(
  'scope settings cost no round trip',
  (t) => {
    it('BEGIN; SELECT; SELECT; COMMIT takes 3 round trips with settings and a role, as without', async () => {
      const db = t.db({ pool: { max: 1 } })
      const work = async (tx: Parameters<Parameters<typeof db.scope>[0]>[0]) => {
        await sql`SELECT 1`.execute(tx)
        await sql`SELECT 2`.execute(tx)
      }
      await db.scope(work) // the connection is open before counting
      const count = async (options: Parameters<typeof db.scope>[1]) => {
        roundTrips = 0
        await db.scope(work, options)
        return roundTrips
      }
      expect(await count({})).toBe(3)
      expect(await count({ settings: { 'app.tenant_id': '1', search_path: 'public' }, role: 'pg_read_all_data' })).toBe(3)
    })
  },
  // PGlite has no network round trip; MySQL sends its session settings before START TRANSACTION (documented).
  ['postgres', 'pgbouncer'],
)
