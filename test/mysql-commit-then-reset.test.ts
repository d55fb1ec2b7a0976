/**
 * On MySQL/MariaDB a scope's settings (user variables) are set back at its end in the same write as its COMMIT or
 * ROLLBACK (MysqlConnection.queryThen): the reset costs no round trip of its own. The call settles with COMMIT's own
 * outcome; the reset runs even when COMMIT fails; a reset statement that fails marks the connection broken.
 *
 * COMMIT is made to fail for real by an XA transaction active on the session (XAER_RMFAIL); a reset statement fails
 * for real as SET ROLE of a role that does not exist, which is sent after COMMIT's answer (it can fail, so it does
 * not travel in the same write).
 */
import { describe, expect, it } from 'vitest'
import { MysqlConnection } from '../src/dialects/mysql/connection.js'
import { mysqlColumnConverters } from '../src/dialects/mysql/values.js'
import { useRawMysqlConnections } from './support/mysql-raw.js'
import { socketTraffic } from './support/socket-traffic.js'
import { useTestDatabase } from './support/test-db.js'

const testDb = useTestDatabase('mysql', 'commit_then_reset')
const raw = useRawMysqlConnections(testDb)

const reset = (name: string) => ({ sql: `SET @\`${name}\` = ?`, parameters: [null] })

/** A user variable's value, read through the connection. */
const variable = (conn: MysqlConnection, name: string) =>
  conn.query<{ v: unknown }>(`SELECT @\`${name}\` AS v`, []).then((r) => r.rows[0]!.v)

describe('MySQL COMMIT with the reset of the scope settings', () => {
  it('COMMIT and the user-variable reset leave in one write, before the first answer, and both take effect', async () => {
    const c = await raw()
    const conn = new MysqlConnection(c, mysqlColumnConverters(undefined))
    await conn.query('CREATE TABLE IF NOT EXISTS t1 (id int PRIMARY KEY) ENGINE=InnoDB', [])
    await conn.query('DELETE FROM t1', [])
    await conn.queryAfter([{ sql: 'SET @`app.tenant` = ?', parameters: ['7'] }, { sql: 'START TRANSACTION', parameters: [] }], 'INSERT INTO t1 VALUES (1)', [])
    const log = socketTraffic(c)
    await conn.queryThen('COMMIT', [], [reset('app.tenant')])
    expect(log.slice(0, 3)).toEqual(['W', 'W', 'R'])
    expect(await variable(conn, 'app.tenant')).toBeNull()
    const other = new MysqlConnection(await raw(), mysqlColumnConverters(undefined))
    expect((await other.query<{ n: number }>('SELECT COUNT(*) AS n FROM t1', [])).rows).toEqual([{ n: 1 }])
    expect(conn.broken).toBe(false)
  })

  it('a COMMIT that fails rejects with its own error; the reset runs all the same and the connection stays usable', async () => {
    const conn = new MysqlConnection(await raw(), mysqlColumnConverters(undefined))
    await conn.query("XA START 'then_reset'", [])
    await conn.query('SET @`app.tenant` = ?', ['9'])
    const err = await conn.queryThen('COMMIT', [], [reset('app.tenant')]).then(
      () => undefined,
      (e: { code?: string }) => e,
    )
    expect(err?.code).toBe('ER_XAER_RMFAIL')
    expect(conn.broken).toBe(false)
    expect(await variable(conn, 'app.tenant')).toBeNull()
    await conn.query("XA END 'then_reset'", [])
    await conn.query("XA ROLLBACK 'then_reset'", [])
  })

  it('a reset statement that fails marks the connection broken, and the call still resolves with COMMIT\'s outcome', async () => {
    const conn = new MysqlConnection(await raw(), mysqlColumnConverters(undefined))
    await conn.query('START TRANSACTION', [])
    const log: string[] = []
    conn.onBroken((e) => log.push(e.message))
    const result = await conn.queryThen('COMMIT', [], [{ sql: 'SET ROLE `no_such_role_then_reset`', parameters: [] }, reset('app.tenant')])
    expect(result.rows).toEqual([])
    expect(conn.broken).toBe(true)
    expect(log).toHaveLength(1)
  })
})
