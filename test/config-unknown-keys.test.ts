/**
 * Bad input to defineDb, db.scope and db.begin is a ConfigError that says what is wrong: an unknown key is named and
 * the known ones listed, a scope without a function rejects (issue 18, item 5).
 */
import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConfigError, defineDb, type DbConfig } from '../src/index.js'
import { describeTargets } from './support/targets.js'

const rejection = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e)
const thrown = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    return e
  }
  return undefined
}

describeTargets(
  'bad input is a ConfigError',
  (t) => {
    it('defineDb: an unknown key, top-level or nested, is named and the known keys are listed', () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ poool: { max: 2 } }, /^defineDb: unknown option "poool"\. Known options: url, pglite, pool, .*logger/],
        [{ onQuery: () => undefined }, /unknown option "onQuery"/],
        [{ settings: { 'app.tenant': '1' } }, /unknown option "settings"/],
        [{ isolation: 'serializable' }, /unknown option "isolation"/],
        [{ pool: { maxx: 3 } }, /^defineDb\(\{ pool \}\): unknown option "maxx"\. Known options: max, min, acquireTimeoutMs/],
        [{ guard: { budgett: 'clamp' } }, /^defineDb\(\{ guard \}\): unknown option "budgett"\. Known options: owner, budget/],
        [{ shutdown: { signal: ['SIGTERM'] } }, /^defineDb\(\{ shutdown \}\): unknown option "signal"\. Known options: signals, graceMs\.$/],
      ]
      for (const [extra, message] of cases) {
        const err = thrown(() => defineDb({ url: t.url, ...extra } as DbConfig))
        expect(err, JSON.stringify(Object.keys(extra))).toBeInstanceOf(ConfigError)
        expect((err as ConfigError).code).toBe('CONFIG')
        expect((err as Error).message).toMatch(message)
      }
    })

    it('defineDb: a URL string instead of an options object', () => {
      const err = thrown(() => defineDb(t.url as unknown as DbConfig))
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toMatch(/defineDb takes an options object such as \{ url: process\.env\.DATABASE_URL \}, got a string\./)
      expect((err as Error).message).not.toContain(t.url)
    })

    it('defineDb: the options other branches are adding (log, telemetry, ssl, connection) are not unknown', () => {
      for (const key of ['log', 'telemetry', 'ssl', 'connection']) {
        const err = thrown(() => defineDb({ url: t.url, [key]: undefined } as DbConfig))
        expect((err as Error | undefined)?.message ?? '').not.toMatch(/unknown option/)
      }
    })

    it('db.scope() and db.scope("not a function") reject with a ConfigError; nothing is thrown synchronously', async () => {
      const db = t.db()
      const scope = db.scope as (...args: unknown[]) => Promise<unknown>
      for (const [args, got] of [[[], 'nothing'], [['not a function'], 'a string'], [[{}], 'an object']] as const) {
        let pending: Promise<unknown> | undefined
        expect(() => (pending = scope.apply(db, args as unknown as unknown[]))).not.toThrow()
        const err = await rejection(pending!)
        expect(err).toBeInstanceOf(ConfigError)
        expect((err as Error).message).toBe(`db.scope() takes a function, such as db.scope(async (tx) => …), got ${got}.`)
      }
      expect(await db.scope(async (tx) => (await sql<{ n: number }>`SELECT 1 AS n`.execute(tx)).rows[0]!.n)).toBe(1)
    })

    it('db.scope and db.begin: an unknown option key is named, nested retry keys too', async () => {
      const db = t.db()
      const work = async () => 1
      const cases: [Promise<unknown>, RegExp][] = [
        [db.scope(work, { isolaton: 'serializable' } as never), /^db\.scope: unknown option "isolaton"\. Known options: isolation, readOnly, timeoutMs, retry, propagation, settings, role\.$/],
        [db.scope(work, { pool: { max: 1 } } as never), /^db\.scope: unknown option "pool"/],
        [db.scope(work, { retry: { attempt: 3 } } as never), /^db\.scope\(\{ retry \}\): unknown option "attempt"\. Known options: attempts, backoff, when\.$/],
        [db.scope(work, { retry: { backoff: { base: 5 } } } as never), /^db\.scope\(\{ retry: \{ backoff \} \}\): unknown option "base"/],
        [db.scope(work, 'serializable' as never), /^db\.scope's options must be an object/],
        [db.begin({ timeoutMs: 5 } as never), /^db\.begin: unknown option "timeoutMs"\. Known options: isolation, readOnly, settings, role\.$/],
      ]
      for (const [p, message] of cases) {
        const err = await rejection(p)
        expect(err).toBeInstanceOf(ConfigError)
        expect((err as Error).message).toMatch(message)
      }
      expect(db.stats().busy).toBe(0)
    })
  },
  // The checks run before any connection: one server of each dialect is enough.
  ['postgres', 'mysql'],
)
