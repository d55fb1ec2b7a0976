/**
 * On MySQL/MariaDB a scope's BEGIN travels with its first statement: START TRANSACTION (and SET TRANSACTION
 * ISOLATION LEVEL before it) and the statement leave in one write, before BEGIN is answered — one round trip, not
 * two. START TRANSACTION READ WRITE, which a read_only server can refuse, is answered before the statement leaves.
 * A BEGIN that fails rejects with its own error and leaves the connection taking nothing more.
 *
 * BEGIN is made to fail for real by an XA transaction left active on the session (XAER_RMFAIL), the one state in
 * which the server refuses START TRANSACTION on a live connection.
 */
import type { Connection } from 'mysql2'
import { describe, expect, it } from 'vitest'
import { MysqlConnection } from '../src/dialects/mysql/connection.js'
import { mysqlColumnConverters } from '../src/dialects/mysql/values.js'
import { useRawMysqlConnections } from './support/mysql-raw.js'
import { socketTraffic } from './support/socket-traffic.js'
import { useTestDatabase } from './support/test-db.js'

const testDb = useTestDatabase('mysql', 'begin_pipelined')
const raw = useRawMysqlConnections(testDb)

const begin = (...sqls: string[]) => sqls.map((sql) => ({ sql, parameters: [] }))

/** A user variable's value on `c`, read past MysqlConnection (which may refuse statements). */
const variable = (c: Connection, name: string) =>
  new Promise<unknown>((resolve, reject) =>
    c.query(`SELECT @${name} AS v`, (err, rows) => (err ? reject(err) : resolve((rows as { v: unknown }[])[0]!.v))),
  )

describe('MySQL BEGIN with the first statement', () => {
  it('START TRANSACTION and the statement both leave before the first answer, and the statement runs in the transaction', async () => {
    const c = await raw()
    const conn = new MysqlConnection(c, mysqlColumnConverters(undefined))
    const log = socketTraffic(c)
    const r = await conn.queryAfter<{ t: number; x: number }>(begin('START TRANSACTION'), 'SELECT @@in_transaction AS t, ? AS x', [7])
    expect(r.rows).toEqual([{ t: 1, x: 7 }])
    expect(log.slice(0, 3)).toEqual(['W', 'W', 'R'])
    await conn.query('ROLLBACK', [])
  })

  it("a scope's settings (a SET of user variables, with parameters) travel with START TRANSACTION, and the statement sees them", async () => {
    const c = await raw()
    const conn = new MysqlConnection(c, mysqlColumnConverters(undefined))
    const log = socketTraffic(c)
    const prefix = [{ sql: 'SET @`app.tenant` = ?, @`it``s` = ?', parameters: ["t'1", '2'] }, ...begin('START TRANSACTION')]
    const r = await conn.queryAfter<{ t: string; q: string; tx: number }>(prefix, 'SELECT @`app.tenant` AS t, @`it``s` AS q, @@in_transaction AS tx', [])
    expect(r.rows).toEqual([{ t: "t'1", q: '2', tx: 1 }])
    expect(log.slice(0, 4)).toEqual(['W', 'W', 'W', 'R'])
    await conn.query('ROLLBACK', [])
  })

  it('SET TRANSACTION ISOLATION LEVEL travels too, and the transaction has that level', async () => {
    const c = await raw()
    const conn = new MysqlConnection(c, mysqlColumnConverters(undefined))
    await conn.query('CREATE TABLE IF NOT EXISTS iso_t (id int PRIMARY KEY) ENGINE=InnoDB', [])
    const log = socketTraffic(c)
    await conn.queryAfter(begin('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'START TRANSACTION READ ONLY'), 'SELECT COUNT(*) AS n FROM iso_t', [])
    expect(log.slice(0, 4)).toEqual(['W', 'W', 'W', 'R'])
    const level = await conn.query<{ l: string; ro: number }>(
      'SELECT trx_isolation_level AS l, trx_is_read_only AS ro FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()',
      [],
    )
    expect(level.rows).toEqual([{ l: 'SERIALIZABLE', ro: 1 }])
    await conn.query('ROLLBACK', [])
  })

  it('START TRANSACTION READ WRITE is answered before the statement leaves; when it fails, the statement never runs', async () => {
    const c = await raw()
    const conn = new MysqlConnection(c, mysqlColumnConverters(undefined))
    await conn.query("XA START 'begin_rw'", [])
    const log = socketTraffic(c)
    const err = await conn.queryAfter(begin('START TRANSACTION READ WRITE'), 'SET @ran = 1', []).then(
      () => undefined,
      (e: { code?: string }) => e,
    )
    expect(err?.code).toBe('ER_XAER_RMFAIL')
    expect(log).toEqual(['W', 'R'])
    expect(await variable(c, 'ran')).toBeNull()
  })

  it('a failed pipelined BEGIN rejects with its own error, and nothing more runs on the connection', async () => {
    const c = await raw()
    const conn = new MysqlConnection(c, mysqlColumnConverters(undefined))
    await conn.query("XA START 'begin_pipelined'", [])
    const first = await conn.queryAfter(begin('START TRANSACTION'), 'SELECT 1 AS one', []).then(
      () => undefined,
      (e: { code?: string }) => e,
    )
    expect(first?.code).toBe('ER_XAER_RMFAIL')
    expect(conn.broken).toBe(true)
    const later = await conn.query('SET @later = 1', []).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(later).toBe(first)
    expect(await variable(c, 'later')).toBeNull()
  })
})
