/** After `unlisten()` resolves, the handler receives nothing more; other handlers of the channel still do. */
import { afterEach, expect, it } from 'vitest'
import { defineDb, disposeAll } from '../src/index.js'
import { Inbox } from './support/listen-inbox.js'
import { useTestDatabase } from './support/test-db.js'

const testDb = useTestDatabase('postgres', 'listen unlisten')
afterEach(() => disposeAll())

it('no notification reaches a handler after its unlisten(); the other handler on the channel still gets them', async () => {
  const db = defineDb({ url: testDb.url })
  const gone = new Inbox()
  const stays = new Inbox()
  const unlisten = await db.listen('ch', gone.handler)
  await db.listen('ch', stays.handler)
  await db.notify('ch', 'one')
  await stays.waitFor('one')
  await gone.waitFor('one')
  await unlisten()
  await db.notify('ch', 'two')
  await stays.waitFor('two')
  expect(gone.received).toEqual(['one'])
  expect(stays.received).toEqual(['one', 'two'])
})

it('the last unlisten() of a channel sends UNLISTEN: the listen connection stops listening to it', async () => {
  const db = defineDb({ url: testDb.url })
  const a = new Inbox()
  const sentinel = new Inbox()
  const unlisten = await db.listen('gone_channel', a.handler)
  await db.listen('sentinel_channel', sentinel.handler)
  await unlisten()
  await unlisten() // a second call is harmless
  expect(db.stats().listener?.channels).toBe(1)
  await db.notify('gone_channel', 'late')
  await db.notify('sentinel_channel', 'done')
  // One connection, delivered in order: had 'late' been delivered, it would have come before 'done'.
  await sentinel.waitFor('done')
  expect(a.received).toEqual([])
})
