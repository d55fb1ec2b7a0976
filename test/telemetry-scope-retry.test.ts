/**
 * A scope that is retried is one span: every attempt's statements are its children, each failed attempt is an
 * event on it, and it records the number of attempts and the final outcome.
 */
import { beforeEach, expect, it } from 'vitest'
import { SpanStatusCode } from '@opentelemetry/api'
import { parentId, useOtelSdk } from './support/otel.js'
import { describeTargets } from './support/targets.js'

interface DB {
  users: { id: number; name: string }
}

const otel = useOtelSdk()

describeTargets(
  'telemetry: a retried scope',
  (t) => {
    beforeEach(async () => {
      await t.exec("DROP TABLE IF EXISTS users; CREATE TABLE users (id int PRIMARY KEY, name varchar(50) NOT NULL); INSERT INTO users VALUES (1, 'a')")
      otel.reset()
    })

    it('records both attempts under one scope span that ends committed', async () => {
      const db = t.db<DB>()
      let attempt = 0
      await db.scope(
        async (tx) => {
          // The first attempt collides with the existing row; the second uses a free id.
          const id = ++attempt === 1 ? 1 : 2
          await tx.insertInto('users').values({ id, name: 'b' }).execute()
        },
        { retry: { attempts: 3, when: () => true, backoff: { baseMs: 1, maxMs: 2 } } },
      )
      const spans = otel.spans()
      const scopes = spans.filter((s) => s.name === 'dbscope.scope')
      expect(scopes).toHaveLength(1)
      const scope = scopes[0]!
      expect(scope.status.code).toBe(SpanStatusCode.UNSET)
      expect(scope.attributes).toMatchObject({ 'dbscope.scope.attempts': 2, 'dbscope.scope.outcome': 'commit' })
      expect(scope.events.map((e) => [e.name, e.attributes?.['dbscope.scope.attempt']])).toEqual([['dbscope.scope.attempt_failed', 1]])
      const children = spans.filter((s) => parentId(s) === scope.spanContext().spanId)
      expect(children.map((s) => [s.name, s.status.code])).toEqual([
        ['INSERT users', SpanStatusCode.ERROR],
        ['ROLLBACK', SpanStatusCode.UNSET],
        ['INSERT users', SpanStatusCode.UNSET],
        ['COMMIT', SpanStatusCode.UNSET],
      ])
    })
  },
  ['postgres', 'mysql', 'pglite'],
)
