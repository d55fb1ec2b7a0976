/**
 * `sslmode=prefer` and `require` against a server without TLS (a throwaway PostgreSQL with `ssl = off`): prefer
 * falls back to a plain connection, as libpq does; require fails with a non-retryable ConnectError that says the
 * server does not accept TLS. (Against a server with TLS, both encrypt: tls-url-forms.test.ts.)
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { sql } from 'kysely'
import pg from 'pg'
import { ConnectError, defineDb, disposeAll } from '../src/index.js'
import { failure } from './support/leaks.js'
import { startThrowawayPostgres, type ThrowawayServer } from './support/throwaway-server.js'

let server: ThrowawayServer
beforeAll(async () => {
  server = await startThrowawayPostgres({ settings: { ssl: 'off' } })
}, 120_000)
afterAll(async () => {
  await disposeAll()
  await server?.stop()
})
afterEach(() => disposeAll())

it('the server has no TLS: pg itself, asked for TLS, is refused', async () => {
  const c = new pg.Client({ connectionString: server.url, ssl: { rejectUnauthorized: false } })
  c.on('error', () => undefined)
  await expect(c.connect()).rejects.toThrow(/does not support SSL/)
})

it('prefer: a plain connection', async () => {
  const db = defineDb({ url: `${server.url}?sslmode=prefer` })
  const r = await sql<{ ssl: boolean }>`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`.execute(db.kysely)
  expect(r.rows[0]!.ssl).toBe(false)
})

it('require: a non-retryable ConnectError saying the server does not accept TLS', async () => {
  const db = defineDb({ url: `${server.url}?sslmode=require` })
  const err = await failure(() => sql`SELECT 1`.execute(db.kysely))
  expect(err).toBeInstanceOf(ConnectError)
  expect((err as ConnectError).retryable).toBe(false)
  expect((err as Error).message).toMatch(/does not accept TLS/)
})
