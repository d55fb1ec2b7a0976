/** tx.notify is part of the scope's transaction: delivered when it commits, never when it rolls back. */
import { afterEach, expect, it } from 'vitest'
import { defineDb, disposeAll } from '../src/index.js'
import { Inbox } from './support/listen-inbox.js'
import { useTestDatabase } from './support/test-db.js'

const testDb = useTestDatabase('postgres', 'notify rollback')
afterEach(() => disposeAll())

it("a rolled-back scope's notify is never delivered; a committed one is, and only at commit", async () => {
  const db = defineDb({ url: testDb.url })
  const inbox = new Inbox()
  await db.listen('events', inbox.handler)
  await expect(
    db.scope(async (tx) => {
      await tx.notify('events', 'rolled back')
      throw new Error('boom')
    }),
  ).rejects.toThrow('boom')
  await db.scope(async (tx) => {
    await tx.notify('events', 'committed')
    // Nested savepoint rolled back: its notify goes too.
    await db.scope(async (inner) => {
      await inner.notify('events', 'savepoint rolled back')
      throw new Error('inner')
    }).catch(() => undefined)
  })
  await db.notify('events', 'sentinel')
  await inbox.waitFor('sentinel')
  expect(inbox.received).toEqual(['committed', 'sentinel'])
})

it('payloads and channel names travel as parameters: quotes and case are kept', async () => {
  const db = defineDb({ url: testDb.url })
  const inbox = new Inbox()
  await db.listen('Mixed "Case"; DROP', inbox.handler)
  await db.scope((tx) => tx.notify('Mixed "Case"; DROP', `it's {"a":1}`))
  await inbox.waitFor(`it's {"a":1}`)
})
