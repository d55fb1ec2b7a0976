/**
 * The listen connection is one of the db's connections: the guard's budget counts it (pool.max + 1), db.stats()
 * shows it, and db.dispose() closes it. On a private throwaway server, whose connection count nobody else moves.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import pg from 'pg'
import { ConnectionBudgetError, EngineDisposedError, defineDb, disposeAll } from '../src/index.js'
import { Inbox } from './support/listen-inbox.js'
import { startThrowawayPostgres, type ThrowawayServer } from './support/throwaway-server.js'

let server: ThrowawayServer
beforeAll(async () => {
  server = await startThrowawayPostgres({ maxConnections: 12 })
}, 120_000)
afterEach(() => disposeAll())
afterAll(() => server?.stop())

async function adminQuery<R extends object>(text: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: server.url })
  await c.connect()
  try {
    return (await c.query<R>(text)).rows
  } finally {
    await c.end()
  }
}

/** What the budget leaves this application: max_connections − superuser reserved (guard.reserve is 0 here). */
async function available(): Promise<number> {
  const [row] = await adminQuery<{ max: string; reserved: string }>(
    "SELECT current_setting('max_connections') AS max, current_setting('superuser_reserved_connections') AS reserved",
  )
  return Number(row!.max) - Number(row!.reserved)
}

it("guard.budget 'throw': a pool that fills the budget leaves no room for the listen connection; one fewer does", async () => {
  const room = await available()
  const full = defineDb({ url: server.url, pool: { max: room }, guard: { budget: 'throw', reserve: 0 }, applicationName: 'full' })
  const err = await full.listen('ch', () => undefined).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(ConnectionBudgetError)
  expect((err as Error).message).toMatch(/db\.listen|pool\.max/)
  await full.dispose()

  const fits = defineDb({ url: server.url, pool: { max: room - 1 }, guard: { budget: 'throw', reserve: 0 }, applicationName: 'fits' })
  const inbox = new Inbox()
  await fits.listen('ch', inbox.handler)
  await fits.notify('ch', 'ok')
  await inbox.waitFor('ok')
})

it('db.stats() shows the listen connection; db.dispose() closes it and later listen() calls reject', async () => {
  const db = defineDb({ url: server.url, applicationName: 'disposer', logger: { warn: () => undefined } })
  expect(db.stats().listener).toBeUndefined()
  const inbox = new Inbox()
  await db.listen('a', inbox.handler)
  await db.listen('b', inbox.handler)
  expect(db.stats().listener).toEqual({ connected: true, channels: 2, reconnects: 0 })
  const listening = () => adminQuery<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'disposer' AND query LIKE 'LISTEN %'")
  expect(Number((await listening())[0]!.n)).toBe(1)
  await db.dispose()
  expect(Number((await listening())[0]!.n)).toBe(0)
  await expect(db.listen('c', () => undefined)).rejects.toBeInstanceOf(EngineDisposedError)
})
