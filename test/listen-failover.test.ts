/**
 * db.listen follows a failover through a multi-host URL (target_session_attrs=read-write): the primary stops, the
 * standby is promoted, the listener reconnects to it, LISTENs again and delivery resumes there.
 */
import { beforeEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { defineDb } from '../src/index.js'
import { Inbox, Signal } from './support/listen-inbox.js'
import { useStreamingPair, type StreamingPair } from './support/streaming-pair.js'

const pairs = useStreamingPair({ synchronous: false }, 'SELECT 1')
let pair: StreamingPair
beforeEach(() => {
  pair = pairs.pair
})

it('primary stopped and standby promoted: the listener reconnects to the promoted host and delivery resumes', async () => {
  const db = defineDb({ url: pair.multiHostUrl, pool: { connectTimeoutMs: 1_000 }, logger: { warn: () => undefined } })
  const inbox = new Inbox()
  const reconnected = new Signal()
  await db.listen('fo', inbox.handler, { onReconnect: reconnected.fire })
  await db.notify('fo', 'on primary')
  await inbox.waitFor('on primary')

  const back = reconnected.next(90_000)
  await pair.stopPrimary()
  await pair.promoteReplica()
  await back
  const port = (await sql<{ p: number }>`SELECT inet_server_port() AS p`.execute(db.kysely)).rows[0]!.p
  expect(Number(port)).toBe(pair.replica.port)
  await db.notify('fo', 'on promoted')
  await inbox.waitFor('on promoted')
  expect(inbox.received).toEqual(['on primary', 'on promoted'])
  await db.dispose()
}, 150_000)
