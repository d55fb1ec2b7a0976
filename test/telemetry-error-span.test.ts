/**
 * A failed statement's span: ERROR status, `error.type` and `db.response.status_code` (SQLSTATE / errno), and no
 * value from the failing statement (the server's message quotes it, so the message is not recorded). Its scope's
 * span ends as a rollback with ERROR status.
 */
import { beforeEach, expect, it } from 'vitest'
import { SpanStatusCode } from '@opentelemetry/api'
import { UniqueViolationError } from '../src/index.js'
import { parentId, useOtelSdk } from './support/otel.js'
import { describeTargets } from './support/targets.js'

interface DB {
  users: { id: number; name: string }
}

const otel = useOtelSdk()
const VALUE = 'dup-name-9c1e'

describeTargets(
  'telemetry: error spans',
  (t) => {
    beforeEach(async () => {
      await t.exec('DROP TABLE IF EXISTS users; CREATE TABLE users (id int PRIMARY KEY, name varchar(50) NOT NULL UNIQUE)')
      otel.reset()
    })

    it('marks the failed statement and its scope ERROR, with the server code and no value', async () => {
      const db = t.db<DB>()
      const failed = db.scope(async (tx) => {
        await tx.insertInto('users').values({ id: 1, name: VALUE }).execute()
        await tx.insertInto('users').values({ id: 2, name: VALUE }).execute()
      })
      await expect(failed).rejects.toBeInstanceOf(UniqueViolationError)
      const spans = otel.spans()
      const scope = spans.find((s) => s.name === 'dbscope.scope')!
      const code = t.kind === 'mysql' ? '1062' : '23505'
      expect(scope.status.code).toBe(SpanStatusCode.ERROR)
      expect(scope.attributes).toMatchObject({ 'dbscope.scope.outcome': 'rollback', 'error.type': code })
      const children = spans.filter((s) => parentId(s) === scope.spanContext().spanId)
      expect(children.map((s) => [s.name, s.status.code])).toEqual([
        ['INSERT users', SpanStatusCode.UNSET],
        ['INSERT users', SpanStatusCode.ERROR],
        ['ROLLBACK', SpanStatusCode.UNSET],
      ])
      expect(children[1]!.attributes).toMatchObject({ 'error.type': code, 'db.response.status_code': code })
      expect(JSON.stringify(spans.map((s) => [s.attributes, s.status, s.events]))).not.toContain(VALUE)
    })
  },
  ['postgres', 'mysql', 'pglite'],
)
