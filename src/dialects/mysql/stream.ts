/**
 * Streams a MySQL/MariaDB result in chunks of `chunkSize` rows: the socket is paused while a chunk waits for its
 * reader, so memory holds about one chunk whatever the size of the result. The protocol cannot abandon a result
 * half-read, so stopping early reads and discards the rest: the connection, and any transaction on it, stays
 * usable for the next statement.
 *
 * @example
 * for await (const chunk of streamRows(conn, 'SELECT * FROM big', [], 500, converters)) handle(chunk.rows)
 */
import type { Connection, FieldPacket } from 'mysql2'
import type { QueryResult } from 'kysely'
import { convertRows, type ColumnConverters, type Convert } from './values.js'

/** Streams `sql` on `conn` (see the module comment); `converters` fixes up values as in a plain query. */
export async function* streamRows<R>(
  conn: Connection,
  sql: string,
  params: readonly unknown[],
  chunkSize: number,
  converters: ColumnConverters,
): AsyncIterableIterator<QueryResult<R>> {
  const size = Math.max(1, Math.floor(chunkSize))
  let rows: Record<string, unknown>[] = []
  let convert: Map<string, Convert> | undefined
  let state: 'reading' | 'ended' | 'failed' = 'reading'
  /** The state as set by the query's events (read through a call, so TypeScript does not narrow it). */
  const now = () => state
  let error: unknown
  let paused = false
  let discard = false
  let wake: (() => void) | undefined
  const settle = () => {
    const w = wake
    wake = undefined
    w?.()
  }
  const wait = () => new Promise<void>((r) => (wake = r))

  const q = conn.query(sql, params as unknown[])
  q.on('fields', (fields: FieldPacket[]) => void (convert = converters(fields)))
  q.on('result', (row: unknown) => {
    if (discard) return
    const r = row as Record<string, unknown>
    try {
      convertRows([r], convert)
    } catch (err) {
      // The rest of the result is read and dropped (the socket must not stay paused); the reader gets the error.
      error = err
      state = 'failed'
      discard = true
      rows = []
      if (paused) {
        paused = false
        conn.resume()
      }
      settle()
      return
    }
    rows.push(r)
    if (rows.length >= size && !paused) {
      paused = true
      conn.pause()
      settle()
    }
  })
  q.on('error', (err: unknown) => {
    error = err
    state = 'failed'
    settle()
  })
  q.on('end', () => {
    if (state === 'reading') state = 'ended'
    settle()
  })

  let finished = false
  try {
    for (;;) {
      while (now() === 'reading' && !paused) await wait()
      if (now() === 'failed') throw error
      if (rows.length === 0) {
        finished = true
        return
      }
      const chunk = rows
      rows = []
      if (paused) {
        paused = false
        conn.resume()
      }
      yield { rows: chunk as R[] }
    }
  } catch (err) {
    finished = true
    throw err
  } finally {
    if (!finished) {
      // Read the rest of the result and drop it, so the next statement on this connection gets its own reply.
      discard = true
      rows = []
      if (paused) {
        paused = false
        conn.resume()
      }
      while (now() === 'reading') await wait()
    }
  }
}
