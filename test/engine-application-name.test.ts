import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import mysql from 'mysql2/promise'
import { defineDb, disposeAll } from '../src/index.js'
import { createTestDatabase, withPg, type TestDatabase } from './support/test-db.js'
import { eventually } from './support/sessions.js'
import { startThrowawayMariadb, type ThrowawayServer } from './support/throwaway-server.js'

describe('applicationName tags every connection [postgres: pg_stat_activity]', () => {
  let testDb: TestDatabase
  beforeAll(async () => {
    testDb = await createTestDatabase('postgres', 'application name')
  })
  afterAll(async () => {
    await disposeAll()
    await testDb.drop()
  })

  it('shows up as application_name for each session of the pool', async () => {
    const db = defineDb({ url: testDb.url, applicationName: 'orders-api', pool: { max: 2 } })
    await db.scope(async (tx) => {
      await sql`SELECT 1`.execute(tx)
      await sql`SELECT 1`.execute(db.kysely) // a second session while the first is held
    }).catch(() => undefined)
    const names = await withPg(async (c) => {
      const r = await c.query<{ application_name: string }>(
        'SELECT application_name FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [testDb.name],
      )
      return r.rows.map((row) => row.application_name)
    })
    expect(names).toEqual(['orders-api', 'orders-api'])
  })
})

// performance_schema is off on the shared MariaDB, and turning it on needs a restart: a private server has it on
// (with grant tables, since sessions of a server without them are not instrumented).
describe('applicationName tags every connection [mysql: performance_schema.session_connect_attrs]', () => {
  let server: ThrowawayServer
  beforeAll(async () => {
    server = await startThrowawayMariadb({ performanceSchema: true, grantTables: true })
  }, 120_000)
  afterAll(async () => {
    await disposeAll()
    await server?.stop()
  })

  it('is sent as the program_name connect attribute', async () => {
    const db = defineDb({ url: server.url, applicationName: 'orders-api' })
    const id = Number((await sql<{ id: number }>`SELECT CONNECTION_ID() AS id`.execute(db.kysely)).rows[0]!.id)
    const admin = await mysql.createConnection({ uri: server.url })
    try {
      const [rows] = await admin.query(
        `SELECT ATTR_VALUE AS v FROM performance_schema.session_connect_attrs WHERE PROCESSLIST_ID = ? AND ATTR_NAME = 'program_name'`,
        [id],
      )
      expect((rows as { v: string }[]).map((r) => r.v)).toEqual(['orders-api'])
    } finally {
      await admin.end()
      await db.dispose()
    }
  })

  it("the budget counts only other programs' sessions as used by others", async () => {
    const warnings: string[] = []
    // This test sets up every session on the (private) server itself, whichever test ran before it: engines left by
    // another test are disposed and their sessions waited out (the server drops a closed session asynchronously).
    await disposeAll()
    const admin = await mysql.createConnection({ uri: server.url })
    const others: mysql.Connection[] = []
    const nonDaemon = async () =>
      Number(((await admin.query(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE COMMAND NOT IN ('Daemon', 'Binlog Dump')`))[0] as { n: number }[])[0]!.n)
    // Sessions not tagged program_name = 'dbscope', as the server sees them right now.
    const notDbscope = async () =>
      Number(
        (
          (
            await admin.query(
              `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST p WHERE p.COMMAND NOT IN ('Daemon', 'Binlog Dump')
                 AND NOT EXISTS (SELECT 1 FROM performance_schema.session_connect_attrs a
                                  WHERE a.PROCESSLIST_ID = p.ID AND a.ATTR_NAME = 'program_name' AND a.ATTR_VALUE = 'dbscope')`,
            )
          )[0] as { n: number }[]
        )[0]!.n,
      )
    try {
      expect(await eventually(async () => (await nonDaemon()) === 1, 10_000), 'only the admin session is left on the server').toBe(true)
      await admin.query('CREATE DATABASE IF NOT EXISTS budget')
      // Two sessions of another program (and the untagged admin one): used by others.
      for (let i = 0; i < 2; i++) others.push(await mysql.createConnection({ uri: server.url, connectAttributes: { program_name: 'other-program' } }))
      // Another dbscope session (another worker, say): tagged like ours, so not "used by others".
      await sql`SELECT 1`.execute(defineDb({ url: server.url.replace('/mysql', '/information_schema') }).kysely)
      expect(await notDbscope(), 'the server sees the admin and the two other-program sessions as not dbscope').toBe(3)
      const db = defineDb({ url: server.url.replace('/mysql', '/budget'), pool: { max: 10 }, guard: { budget: 'warn', workers: 10 }, logger: { warn: (m) => void warnings.push(m) } })
      await sql`SELECT 1`.execute(db.kysely).catch(() => undefined)
      expect(await notDbscope(), 'no session came or went while the guard counted').toBe(3)
      expect(warnings.join('\n')).toMatch(/server allows 50 \(0 reserved for superusers, 3 kept in reserve, 3 used by others\)/)
    } finally {
      for (const c of others) await c.end().catch(() => undefined)
      await admin.end()
      await disposeAll()
    }
  })
})
