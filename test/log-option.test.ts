/**
 * `defineDb({ log })` takes Kysely's LogConfig: a function receives Kysely's LogEvent for every statement — a
 * scope's BEGIN (sent with its first statement) and COMMIT included — and through db.kysely; a failure is an
 * `error` event; `['query']` prints with Kysely's own default logger.
 */
import type { LogEvent } from 'kysely'
import { beforeEach, expect, it, vi } from 'vitest'
import { QueryError } from '../src/index.js'
import { describeTargets } from './support/targets.js'

interface DB {
  notes: { id: number; body: string }
}

describeTargets(
  'log option',
  (t) => {
    beforeEach(() => t.exec('DROP TABLE IF EXISTS notes; CREATE TABLE notes (id int PRIMARY KEY, body varchar(50) NOT NULL)'))

    it('passes a Kysely LogEvent for each statement of a scope, BEGIN and COMMIT included', async () => {
      const events: LogEvent[] = []
      const db = t.db<DB>({ log: (e) => void events.push(e) })
      await db.scope(async (tx) => {
        await tx.insertInto('notes').values({ id: 1, body: 'x' }).execute()
        await tx.selectFrom('notes').selectAll().execute()
      })
      const sqls = events.map((e) => e.query.sql.toLowerCase())
      expect(sqls).toHaveLength(4)
      expect(sqls[0]).toMatch(/^(begin|start transaction)/)
      expect(sqls[1]).toMatch(/^insert into .notes./)
      expect(sqls[2]).toMatch(/^select \* from .notes./)
      expect(sqls[3]).toBe('commit')
      expect(events.every((e) => e.level === 'query' && e.queryDurationMillis >= 0)).toBe(true)
      expect(events[1]!.query.parameters).toEqual([1, 'x'])
    })

    it('reports a failed statement as an error event, and db.kysely statements too', async () => {
      const events: LogEvent[] = []
      const db = t.db<DB>({ log: (e) => void events.push(e) })
      await db.kysely.insertInto('notes').values({ id: 1, body: 'x' }).execute()
      await expect(db.kysely.insertInto('notes').values({ id: 1, body: 'y' }).execute()).rejects.toBeInstanceOf(QueryError)
      expect(events.map((e) => e.level)).toEqual(['query', 'error'])
      const failed = events[1]!
      expect(failed.level === 'error' && failed.error).toBeInstanceOf(QueryError)
      expect(failed.query.sql).toMatch(/^insert into/)
    })

    it("prints with Kysely's default logger for ['query', 'error']", async () => {
      const printed: string[] = []
      const spy = vi.spyOn(console, 'log').mockImplementation((m: unknown) => void printed.push(String(m)))
      try {
        const db = t.db<DB>({ log: ['query', 'error'] })
        await db.kysely.selectFrom('notes').selectAll().execute()
      } finally {
        spy.mockRestore()
      }
      expect(printed.some((l) => /^kysely:query: select \* from .notes./.test(l))).toBe(true)
    })
  },
  ['postgres', 'mysql', 'pglite'],
)
