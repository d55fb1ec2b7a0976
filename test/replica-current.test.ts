/**
 * db.current in a readOnly scope goes where that scope went: the replica when the scope was routed there (nested
 * scopes too); outside any scope, the primary, like db.kysely.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import { defineDb } from '../src/index.js'
import { useStreamingPair, type StreamingPair } from './support/streaming-pair.js'

interface DB {
  notes: { id: number; body: string }
}

const portOf = async (k: Kysely<any>) => Number((await sql<{ p: number }>`SELECT inet_server_port() AS p`.execute(k)).rows[0]!.p)

// A real streaming replica: a second cluster cloned with pg_basebackup -R from a throwaway primary.
describe('db.current with read replicas', () => {
  const pairs = useStreamingPair({}, 'CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)')
  let pair: StreamingPair
  beforeEach(() => {
    pair = pairs.pair
  })

  it('runs on the replica inside a routed readOnly scope, on the primary in a read-write scope and outside', async () => {
    const db = defineDb<DB>({ url: pair.primary.url, replicas: [pair.replica.url], guard: { foreignQuery: 'throw' } })
    const routed = await db.scope(async (tx) => {
      const nested = await db.scope(() => portOf(db.current))
      return { current: await portOf(db.current), tx: await portOf(tx), nested }
    }, { readOnly: true })
    expect(routed).toEqual({ current: pair.replica.port, tx: pair.replica.port, nested: pair.replica.port })
    expect(await db.scope(() => portOf(db.current))).toBe(pair.primary.port)
    expect(await portOf(db.current)).toBe(pair.primary.port)
    await db.dispose()
  })
})
