/**
 * A statement routed to a replica is reported as the replica's: its spans carry the replica's server.address and
 * server.port, and the db's `log` receives its events. The "replica" is the same database reached through a TCP
 * proxy on another port (no standby is needed to tell which server a span names).
 */
import type { LogEvent } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { defineDb } from '../src/index.js'
import { useOtelSdk } from './support/otel.js'
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js'
import { createTestDatabase, type TestDatabase } from './support/test-db.js'

const otel = useOtelSdk()
let pgDb: TestDatabase
let proxy: TcpProxy
beforeAll(async () => {
  pgDb = await createTestDatabase('postgres', 'telemetry-replica')
  proxy = await startTcpProxy('127.0.0.1', 5432)
})
afterAll(async () => {
  await proxy.close()
  await pgDb.drop()
})

it('names the replica as the server of readOnly scopes and db.replica statements', async () => {
  const replica = new URL(pgDb.url)
  replica.port = String(proxy.port)
  const events: LogEvent[] = []
  const db = defineDb({ url: pgDb.url, replicas: [replica.toString()], log: (e) => void events.push(e) })
  try {
    await db.scope((tx) => tx.selectNoFrom((eb) => eb.val(1).as('one')).execute(), { readOnly: true })
    await db.replica.selectNoFrom((eb) => eb.val(2).as('two')).execute()
    await db.kysely.selectNoFrom((eb) => eb.val(3).as('three')).execute()
    const ports = otel.spans().map((s) => [s.name, s.attributes['server.port']])
    expect(ports).toEqual([
      ['SELECT', proxy.port],
      ['COMMIT', proxy.port],
      ['dbscope.scope', proxy.port],
      ['SELECT', proxy.port],
      ['SELECT', 5432],
    ])
    expect(otel.spans().find((s) => s.name === 'dbscope.scope')?.attributes['dbscope.scope.read_only']).toBe(true)
    expect(events.map((e) => e.query.sql.split(' ')[0]!.toLowerCase())).toEqual(['begin', 'select', 'commit', 'select', 'select'])
  } finally {
    await db.dispose()
  }
})
