/** PGlite has LISTEN/NOTIFY: db.listen, db.notify and tx.notify work on the embedded database. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { defineDb, disposeAll } from '../src/index.js'
import { Inbox } from './support/listen-inbox.js'
import { pgliteInstance } from './support/targets.js'

beforeAll(async () => {
  await pgliteInstance() // seconds to start: not inside the test's time
}, 120_000)
afterAll(async () => {
  await disposeAll()
  await (await pgliteInstance()).close()
})

it('on PGlite: notifications are delivered, a rolled-back scope sends none, unlisten stops them', async () => {
  const db = defineDb({ pglite: await pgliteInstance() })
  const inbox = new Inbox()
  const sentinel = new Inbox()
  const unlisten = await db.listen('Jobs', inbox.handler)
  await db.listen('sentinel', sentinel.handler)
  await db.notify('Jobs', 'one')
  await inbox.waitFor('one')
  await db.scope(async (tx) => tx.notify('Jobs', 'committed'))
  await db.scope(async (tx) => {
    await tx.notify('Jobs', 'rolled back')
    throw new Error('no')
  }).catch(() => undefined)
  await inbox.waitFor('committed')
  await unlisten()
  await db.notify('Jobs', 'after unlisten')
  await db.notify('sentinel', 'done')
  await sentinel.waitFor('done')
  expect(inbox.received).toEqual(['one', 'committed'])
  expect(db.stats().listener).toMatchObject({ connected: true, channels: 1 })
})
