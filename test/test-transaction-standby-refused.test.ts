/**
 * db.beginTestTransaction() on a db whose URL is a read-only standby (a replica-only configuration) is refused with a
 * ConfigError naming the primary; the connection it took goes back. On a real streaming pair.
 */
import { beforeEach, expect, it } from 'vitest'
import { ConfigError, defineDb } from '../src/index.js'
import { useStreamingPair, type StreamingPair } from './support/streaming-pair.js'

const pairs = useStreamingPair({ synchronous: false }, 'SELECT 1')
let pair: StreamingPair
beforeEach(() => {
  pair = pairs.pair
})

it('a db pointing at the standby: ConfigError, no connection left busy; on the primary it opens', async () => {
  const standby = defineDb({ url: pair.replica.url })
  const err = await standby.beginTestTransaction().catch((e: unknown) => e)
  expect(err).toBeInstanceOf(ConfigError)
  expect((err as Error).message).toMatch(/read-only standby.*primary/)
  expect(standby.stats()).toMatchObject({ busy: 0 })
  // Refused, not left half-open: a second attempt gets the same refusal, not "already open".
  await expect(standby.beginTestTransaction()).rejects.toThrow(/read-only standby/)
  await standby.dispose()

  const primary = defineDb({ url: pair.primary.url })
  const t = await primary.beginTestTransaction()
  await t.rollback()
  await primary.dispose()
}, 60_000)
