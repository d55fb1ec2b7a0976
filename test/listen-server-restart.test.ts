/**
 * db.listen survives a server restart (a private throwaway PostgreSQL, never the shared one): while the server is
 * down the listener retries with backoff; once it is back it LISTENs again, calls onReconnect, and delivery resumes.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { defineDb, disposeAll } from '../src/index.js'
import { Inbox, Signal } from './support/listen-inbox.js'
import { startThrowawayPostgres, type ThrowawayServer } from './support/throwaway-server.js'

let server: ThrowawayServer
beforeAll(async () => {
  server = await startThrowawayPostgres()
}, 120_000)
afterEach(() => disposeAll())
afterAll(() => server?.stop())

it('after a restart of the server, the listener is back on every channel and delivery resumes', async () => {
  const warnings: string[] = []
  const db = defineDb({ url: server.url, logger: { warn: (m) => warnings.push(m) } })
  const a = new Inbox()
  const b = new Inbox()
  const reconnected = new Signal()
  await db.listen('a', a.handler, { onReconnect: reconnected.fire })
  await db.listen('b', b.handler)
  await db.notify('a', 'before')
  await a.waitFor('before')

  const back = reconnected.next(60_000)
  await server.restart()
  await back
  expect(warnings.some((w) => w.includes('db.listen connection was lost'))).toBe(true)
  expect(db.stats().listener).toMatchObject({ connected: true, channels: 2, reconnects: 1 })

  await db.notify('a', 'after')
  await db.notify('b', 'after b')
  await a.waitFor('after')
  await b.waitFor('after b')
  expect(a.received).toEqual(['before', 'after'])
}, 120_000)
