/**
 * Streams a PostgreSQL result through a portal, `chunkSize` rows at a time: Execute with a row limit, and the next
 * Execute only once the reader asks for more, so memory holds one chunk whatever the size of the result. Stopping
 * early closes the portal and syncs, leaving the connection (and any transaction on it) ready for the next
 * statement. Built on pg's own `Query` paging (`rows`), so rows are parsed by the connection's type parsers.
 *
 * @example
 * for await (const chunk of streamPortal(client, 'SELECT * FROM big', [], 500)) handle(chunk.rows)
 */
import pg from 'pg'
import type { QueryResult } from 'kysely'
import { PagedQuery, type PgWire } from './pg-internals.js'

type Wire = PgWire

/** A pg `Query` that pauses at every suspended portal until the reader asks for the next chunk ({@link PortalQuery.next}). */
class PortalQuery extends PagedQuery {
  #wire: Wire | undefined
  #synced = false
  #rows: unknown[] = []
  #state: 'reading' | 'suspended' | 'ended' | 'failed' = 'reading'
  #error: unknown
  #wake: (() => void) | undefined
  readonly #chunkSize: number

  constructor(text: string, values: readonly unknown[], chunkSize: number) {
    super({ text, values: values as unknown[], rows: chunkSize, queryMode: 'extended' } as pg.QueryConfig & { rows: number })
    this.#chunkSize = chunkSize
    // A 'row' listener and no callback: pg hands each row over instead of accumulating the whole result.
    this.on('row', (row) => void this.#rows.push(row))
    this.on('end', () => this.#settle('ended'))
    this.on('error', (err) => {
      this.#error = err
      this.#settle('failed')
    })
  }

  override handlePortalSuspended(connection: Wire): void {
    this.#wire = connection
    this.#settle('suspended')
  }

  override handleCommandComplete(msg: unknown, connection: Wire): void {
    this.#synced = true // pg syncs after CommandComplete in paged mode
    super.handleCommandComplete(msg, connection)
  }

  override handleEmptyQuery(connection: Wire): void {
    this.#synced = true
    super.handleEmptyQuery(connection)
  }

  override handleError(err: Error, connection: Wire): void {
    // In paged mode pg sends no Sync after a server error, and the server ignores everything until one arrives. (A
    // local error, such as a parameter that cannot be serialized, was already synced by pg itself.)
    if (!this.#synced && err instanceof pg.DatabaseError) {
      this.#synced = true
      try {
        connection.sync()
      } catch {
        // the socket is gone: the client fails the connection itself
      }
    }
    super.handleError(err, connection)
  }

  /** Waits for the next chunk; resolves to the rows read so far (empty at the end). Throws the statement's error. */
  async next(): Promise<unknown[]> {
    if (this.#state === 'suspended' && this.#rows.length === 0) {
      this.#state = 'reading'
      this._getRows(this.#wire!, this.#chunkSize)
    }
    while (this.#state === 'reading' && this.#rows.length === 0) await new Promise<void>((r) => (this.#wake = r))
    if (this.#state === 'failed') throw this.#error
    const rows = this.#rows
    this.#rows = []
    return rows
  }

  /** Stops reading: closes a suspended portal and syncs, then waits until the connection is ready again. */
  async stop(): Promise<void> {
    while (this.#state === 'reading') await new Promise<void>((r) => (this.#wake = r))
    if (this.#state !== 'suspended') return
    this.#state = 'reading'
    this.#synced = true
    this.#wire!.close({ type: 'P', name: '' })
    this.#wire!.sync()
    // ReadyForQuery ends the query ('end'); a failure in between ends it too.
    while (this.#state === 'reading') await new Promise<void>((r) => (this.#wake = r))
    this.#rows = []
  }

  #settle(state: 'suspended' | 'ended' | 'failed'): void {
    this.#state = state
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }
}

/** Streams `sql` on `client` in chunks of `chunkSize` rows (see the module comment). */
export async function* streamPortal<R>(client: pg.Client, sql: string, params: readonly unknown[], chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
  const q = new PortalQuery(sql, params, Math.max(1, Math.floor(chunkSize)))
  client.query(q as unknown as pg.QueryConfig)
  let finished = false
  try {
    for (;;) {
      const rows = await q.next()
      if (rows.length === 0) {
        finished = true
        return
      }
      yield { rows: rows as R[] }
    }
  } catch (err) {
    finished = true
    throw err
  } finally {
    if (!finished) await q.stop()
  }
}

