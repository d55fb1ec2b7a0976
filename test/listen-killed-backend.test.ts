/**
 * db.listen survives a killed backend (pg_terminate_backend): it reconnects, LISTENs again, calls onReconnect, and
 * delivery resumes — each notification once.
 */
import { afterEach, expect, it } from 'vitest'
import { defineDb, disposeAll } from '../src/index.js'
import { Inbox, Signal, listenBackendPid, terminate } from './support/listen-inbox.js'
import { useTestDatabase } from './support/test-db.js'

const testDb = useTestDatabase('postgres', 'listen killed')
afterEach(() => disposeAll())

it('after pg_terminate_backend on the listen connection, it reconnects, calls onReconnect, and later notifications arrive once', async () => {
  const db = defineDb({ url: testDb.url, logger: { warn: () => undefined } })
  const inbox = new Inbox()
  const reconnected = new Signal()
  await db.listen('jobs', inbox.handler, { onReconnect: reconnected.fire })
  await db.notify('jobs', 'before')
  await inbox.waitFor('before')
  expect(db.stats().listener).toEqual({ connected: true, channels: 1, reconnects: 0 })

  const first = await listenBackendPid(testDb.url, testDb.name)
  const back = reconnected.next()
  await terminate(testDb.url, first)
  await back
  expect(await listenBackendPid(testDb.url, testDb.name)).not.toBe(first)
  expect(db.stats().listener).toMatchObject({ connected: true, reconnects: 1 })

  await db.notify('jobs', 'after')
  await db.notify('jobs', 'sentinel')
  await inbox.waitFor('sentinel')
  expect(inbox.received).toEqual(['before', 'after', 'sentinel'])
  await db.dispose()
})
