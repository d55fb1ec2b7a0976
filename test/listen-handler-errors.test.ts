/**
 * A db.listen handler that throws or rejects goes to onHookError (else the logger) and stops neither the listener nor
 * the other handlers.
 */
import { afterEach, expect, it } from 'vitest'
import { defineDb, disposeAll } from '../src/index.js'
import { Inbox } from './support/listen-inbox.js'
import { useTestDatabase } from './support/test-db.js'

const testDb = useTestDatabase('postgres', 'listen handler errors')
afterEach(() => disposeAll())

it('a throwing and a rejecting handler are reported to onHookError; the other handler and later notifications still arrive', async () => {
  const errors: unknown[] = []
  const db = defineDb({ url: testDb.url, onHookError: (e) => errors.push(e) })
  const inbox = new Inbox()
  await db.listen('ch', () => {
    throw new Error('sync boom')
  })
  await db.listen('ch', async () => {
    throw new Error('async boom')
  })
  await db.listen('ch', inbox.handler)
  await db.notify('ch', 'one')
  await db.notify('ch', 'two')
  await inbox.waitFor('two')
  expect(inbox.received).toEqual(['one', 'two'])
  await new Promise((r) => setImmediate(r)) // the rejections' reactions
  expect(errors.map((e) => (e as Error).message).sort()).toEqual(['async boom', 'async boom', 'sync boom', 'sync boom'])
  expect(db.stats().listener).toMatchObject({ connected: true, reconnects: 0 })
})

it('without onHookError, a handler error is a warning through the logger', async () => {
  const warnings: string[] = []
  const db = defineDb({ url: testDb.url, logger: { warn: (m) => warnings.push(m) } })
  const inbox = new Inbox()
  await db.listen('ch2', () => {
    throw new Error('logged boom')
  })
  await db.listen('ch2', inbox.handler)
  await db.notify('ch2', 'x')
  await inbox.waitFor('x')
  expect(warnings.some((w) => w.includes('db.listen handler threw') && w.includes('logged boom'))).toBe(true)
})
