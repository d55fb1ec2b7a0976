/**
 * OpenTelemetry spans with the real SDK: under an application span, each scope is one span (its attributes and
 * outcome), and every statement of the scope — the first one carrying BEGIN, and COMMIT — is a child of it, named
 * `{operation} {table}` with the database semantic conventions' attributes; no bound value appears anywhere.
 */
import { trace } from '@opentelemetry/api'
import { sql } from 'kysely'
import { beforeEach, expect, it } from 'vitest'
import { parentId, useOtelSdk } from './support/otel.js'
import { describeTargets } from './support/targets.js'

interface DB {
  users: { id: number; name: string }
}

const otel = useOtelSdk()
const SECRET_VALUE = 'bound-value-7f3a'

describeTargets(
  'telemetry: the scope span and its statements',
  (t) => {
    beforeEach(async () => {
      await t.exec('DROP TABLE IF EXISTS users; CREATE TABLE users (id int PRIMARY KEY, name varchar(50) NOT NULL)')
      otel.reset()
    })

    it('nests statements under the scope span, under the application span', async () => {
      const db = t.db<DB>()
      const app = trace.getTracer('app')
      await app.startActiveSpan('handle request', async (span) => {
        await db.scope(async function createUser(tx) {
          await tx.insertInto('users').values({ id: 1, name: SECRET_VALUE }).execute()
          await tx.selectFrom('users').selectAll().where('name', '=', SECRET_VALUE).execute()
        }, { isolation: 'serializable' })
        span.end()
      })
      const spans = otel.spans()
      const appSpan = spans.find((s) => s.name === 'handle request')!
      const scope = spans.find((s) => s.name === 'dbscope.scope')!
      expect(parentId(scope)).toBe(appSpan.spanContext().spanId)
      expect(scope.attributes).toMatchObject({
        // The test server is MariaDB behind a mysql:// URL: the handshake tells.
        'db.system.name': t.kind === 'mysql' ? 'mariadb' : 'postgresql',
        'dbscope.scope.isolation': 'serializable',
        'dbscope.scope.read_only': false,
        'dbscope.scope.outcome': 'commit',
        'dbscope.scope.attempts': 1,
        'code.function.name': 'createUser',
      })
      expect(typeof scope.attributes['dbscope.scope.wait_time']).toBe('number')
      const children = spans.filter((s) => parentId(s) === scope.spanContext().spanId).map((s) => s.name)
      // BEGIN (and MySQL's SET TRANSACTION before it) went with the INSERT, in one round trip.
      expect(children).toEqual(['INSERT users', 'SELECT users', 'COMMIT'])
      const insert = spans.find((s) => s.name === 'INSERT users')!
      expect(insert.attributes).toMatchObject({
        'db.operation.name': 'INSERT',
        'db.collection.name': 'users',
        'db.system.name': t.kind === 'mysql' ? 'mariadb' : 'postgresql',
      })
      expect(String(insert.attributes['db.query.text'])).toMatch(/^insert into .users. \(.id., .name.\) values \((\$1|\?), (\$2|\?)\)$/)
      if (t.kind !== 'pglite') {
        expect(insert.attributes).toMatchObject({ 'server.address': '127.0.0.1', 'server.port': t.kind === 'mysql' ? 3306 : 5432 })
        expect(insert.attributes['db.namespace']).toMatch(/^dbscope_t_/)
      }
      const everything = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events, s.status]))
      expect(everything).not.toContain(SECRET_VALUE)
    })

    it('gives db.kysely statements a span of their own under the active span, and raw SQL its first keyword', async () => {
      const db = t.db<DB>()
      await trace.getTracer('app').startActiveSpan('job', async (span) => {
        await db.kysely.deleteFrom('users').where('id', '=', 42).execute()
        await sql`SELECT ${SECRET_VALUE} AS v`.execute(db.kysely)
        span.end()
      })
      const spans = otel.spans()
      const job = spans.find((s) => s.name === 'job')!
      const names = spans.filter((s) => parentId(s) === job.spanContext().spanId).map((s) => s.name)
      expect(names).toEqual(['DELETE users', 'SELECT'])
      expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(SECRET_VALUE)
    })
  },
  ['postgres', 'mysql', 'pglite'], // PgBouncer adds nothing here: the spans are made in dbscope, not on the server
)
