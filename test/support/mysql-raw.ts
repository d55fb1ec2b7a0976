/**
 * Plain mysql2 connections (callback API) to a test database, for tests that work below dbscope's pool: each is
 * connected when returned and destroyed after the test.
 *
 * @example
 * const connect = useRawMysqlConnections(testDb)
 * const c = await connect()
 */
import mysql, { type Connection } from 'mysql2'
import { afterEach } from 'vitest'
import type { TestDatabase } from './test-db.js'

export function useRawMysqlConnections(db: TestDatabase): () => Promise<Connection> {
  const open: Connection[] = []
  afterEach(() => {
    for (const c of open.splice(0)) c.destroy()
  })
  return async () => {
    const c = mysql.createConnection({ uri: db.url })
    c.on('error', () => undefined)
    await new Promise<void>((resolve, reject) => {
      c.once('connect', () => resolve())
      c.once('error', reject)
    })
    open.push(c)
    return c
  }
}
