/**
 * Pins every mysql2 internal that src/dialects/mysql/mysql2-internals.ts fences, against the installed mysql2 and a
 * real MariaDB: a mysql2 upgrade that moves one of them fails here, by name, instead of somewhere in a scope.
 */
import type { Connection, FieldPacket } from 'mysql2'
import { describe, expect, it } from 'vitest'
import { canPipeline, createQuery, QueryCommand, sendPipelined } from '../src/dialects/mysql/mysql2-internals.js'
import { useRawMysqlConnections } from './support/mysql-raw.js'
import { socketTraffic } from './support/socket-traffic.js'
import { useTestDatabase } from './support/test-db.js'

const testDb = useTestDatabase('mysql', 'mysql2_internals')
const connection = useRawMysqlConnections(testDb)

interface Answer {
  err: (Error & { code?: string; fatal?: boolean }) | null
  rows: unknown
}

/** Sends `sqls` as one pipeline on `c` and collects the answers in order. */
function send(c: Connection, sqls: readonly string[]): Promise<Answer[]> {
  const answers = sqls.map(() => undefined as unknown as Answer)
  let left = sqls.length
  return new Promise((resolve) => {
    sendPipelined(
      c,
      sqls.map((sql, i) => ({
        sql,
        callback: (err: Error | null, rows?: unknown, _fields?: FieldPacket[]) => {
          answers[i] = { err: err as Answer['err'], rows }
          if (--left === 0) resolve(answers)
        },
      })),
    )
  })
}

describe('mysql2 internals', () => {
  it('mysql2 exports createQuery, whose Query command extends a Command with execute and emit', () => {
    expect(typeof createQuery).toBe('function')
    const q = createQuery('SELECT 1', undefined, () => undefined, {})
    expect(q).toBeInstanceOf(QueryCommand)
    const command = Object.getPrototypeOf(QueryCommand.prototype) as Record<string, unknown>
    expect(typeof command.execute, 'Command.execute').toBe('function')
    expect(typeof command.emit, 'Command.emit').toBe('function')
    expect(typeof (QueryCommand.prototype as unknown as Record<string, unknown>).start, 'Query.start').toBe('function')
  })

  it('a connection has the command queue, the sequence counter and the socket a pipeline uses', async () => {
    const c = (await connection()) as unknown as Record<string, unknown> & { config: Record<string, unknown>; stream: Record<string, unknown> }
    for (const m of ['addCommand', '_resetSequenceId', '_bumpSequenceId', 'format']) expect(typeof c[m], m).toBe('function')
    expect(typeof c.sequenceId).toBe('number')
    expect(c.config.compress).toBeFalsy()
    expect(canPipeline(c as unknown as Connection)).toBe(true)
    for (const m of ['cork', 'uncork', 'write']) expect(typeof c.stream[m], `stream.${m}`).toBe('function')
  })

  it('a pipeline writes every statement before the first answer, and each callback gets its own answer, in order', async () => {
    const c = await connection()
    const log = socketTraffic(c)
    const warnings: unknown[] = []
    c.on('warn', (w) => warnings.push(w))
    const answers = await send(c, ['SELECT 1 AS a', 'SELECT 2 AS b', 'SELECT 3 AS c'])
    expect(answers.map((a) => a.err)).toEqual([null, null, null])
    expect(answers.map((a) => a.rows)).toEqual([[{ a: 1 }], [{ b: 2 }], [{ c: 3 }]])
    expect(log.indexOf('R')).toBeGreaterThanOrEqual(3) // all three writes came before the first read
    expect(warnings).toEqual([]) // no "got packets out of order"
    // The connection's queue goes on as usual after the pipeline.
    const after = await new Promise<unknown>((resolve, reject) => c.query('SELECT 4 AS d', (err, rows) => (err ? reject(err) : resolve(rows))))
    expect(after).toEqual([{ d: 4 }])
  })

  it('the server runs a pipelined statement after one that failed; each gets its own answer', async () => {
    const c = await connection()
    const answers = await send(c, ['SELECT no_such_column', 'SELECT 2 AS b'])
    expect(answers[0]!.err?.code).toBe('ER_BAD_FIELD_ERROR')
    expect(answers[1]!.err).toBeNull()
    expect(answers[1]!.rows).toEqual([{ b: 2 }])
  })

  it('a connection killed mid-pipeline fails every statement not yet answered', async () => {
    const c = await connection()
    const answered = send(c, ['SELECT SLEEP(20)', 'SELECT 2 AS b'])
    const killer = await connection()
    await new Promise((r) => setTimeout(r, 200))
    await new Promise((resolve) => killer.query(`KILL CONNECTION ${c.threadId}`, resolve))
    const answers = await answered
    for (const a of answers) expect(a.err).toBeInstanceOf(Error)
    expect(answers[1]!.rows).toBeUndefined()
  })
})
