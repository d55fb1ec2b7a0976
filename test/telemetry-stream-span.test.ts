/**
 * A `.stream()` is one statement span from its first chunk to its last: still open while the reader holds a chunk,
 * ended once when the stream is done; its log event comes at the end too, marked `isStream`.
 */
import type { LogEvent } from 'kysely'
import { beforeEach, expect, it } from 'vitest'
import { useOtelSdk } from './support/otel.js'
import { describeTargets } from './support/targets.js'

interface DB {
  nums: { n: number }
}

const otel = useOtelSdk()

describeTargets(
  'telemetry: a stream is one span',
  (t) => {
    beforeEach(async () => {
      await t.exec('DROP TABLE IF EXISTS nums; CREATE TABLE nums (n int NOT NULL); INSERT INTO nums VALUES (1), (2), (3), (4), (5)')
      otel.reset()
    })

    it('opens the span at the first chunk and ends it after the last', async () => {
      const events: LogEvent[] = []
      const db = t.db<DB>({ log: (e) => void events.push(e) })
      let endedMidway: string[] | undefined
      let rows = 0
      for await (const _row of db.kysely.selectFrom('nums').selectAll().stream(2)) {
        if (rows++ === 0) endedMidway = otel.spans().map((s) => s.name)
      }
      expect(rows).toBe(5)
      expect(endedMidway).toEqual([])
      expect(otel.spans().map((s) => s.name)).toEqual(['SELECT nums'])
      expect(events.map((e) => [e.level, e.level === 'query' && e.isStream])).toEqual([['query', true]])
    })
  },
  ['postgres', 'mysql', 'pglite'],
)
