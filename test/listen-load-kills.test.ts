/**
 * Load: 1,000 notifications while the listen connection's backend is killed 5 times. Every notification sent after
 * a reconnect completed (onReconnect) arrives exactly once; notifications sent during an outage may be lost (as
 * PostgreSQL drops them) but none arrives twice.
 */
import { afterEach, expect, it } from 'vitest'
import { defineDb, disposeAll } from '../src/index.js'
import { Inbox, Signal, listenBackendPid, terminate } from './support/listen-inbox.js'
import { useTestDatabase } from './support/test-db.js'

const testDb = useTestDatabase('postgres', 'listen load')
afterEach(() => disposeAll())

const KILLS = 5
const PER_ROUND = 200

it('1,000 notifications across 5 killed backends: each sent after a reconnect arrives exactly once, none twice', async () => {
  const db = defineDb({ url: testDb.url, pool: { max: 4 }, logger: { warn: () => undefined } })
  const inbox = new Inbox()
  const reconnected = new Signal()
  await db.listen('load', inbox.handler, { onReconnect: reconnected.fire })
  const mustArrive: string[] = []
  const sendBatch = async (prefix: string, n: number) => {
    const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`)
    for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => db.notify('load', id)))
    return ids
  }
  let during = 0
  for (let round = 1; round <= KILLS; round++) {
    const back = reconnected.next()
    let done = false
    void back.then(() => (done = true), () => (done = true))
    await terminate(testDb.url, await listenBackendPid(testDb.url, testDb.name))
    // Sent while the listener is down or coming back: may be dropped, never duplicated.
    while (!done) {
      await db.notify('load', `during-${round}-${during++}`)
    }
    await back
    mustArrive.push(...(await sendBatch(`r${round}`, PER_ROUND)))
    await db.notify('load', `sentinel-${round}`)
    await inbox.waitFor(`sentinel-${round}`)
  }
  expect(reconnected.count).toBe(KILLS)
  expect(mustArrive.length).toBe(KILLS * PER_ROUND)
  const counts = new Map<string, number>()
  for (const p of inbox.received) counts.set(p, (counts.get(p) ?? 0) + 1)
  expect(mustArrive.filter((id) => counts.get(id) !== 1)).toEqual([])
  expect([...counts].filter(([, n]) => n > 1)).toEqual([])
  expect(db.stats().listener).toMatchObject({ connected: true, reconnects: KILLS })
})
