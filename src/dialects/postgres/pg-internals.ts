/**
 * Every node-postgres internal dbscope relies on, fenced in this one file: the protocol hooks of `pg.Query`, the
 * wire connection under a `pg.Client`, its backend key, and pg-types' array parser. None of them is public API, so a
 * pg upgrade that changes one must fail here, loudly: test/pg-internals.test.ts pins each against the installed pg.
 *
 * Why each is needed:
 * - `Query.prepare(connection)`: to put Close, a parameterless BEGIN and the statement into one pipeline (one Sync).
 * - `Query._getRows` / `handlePortalSuspended` / `handleCommandComplete` / `handleEmptyQuery` / `handleError`: to
 *   stream through a portal one chunk at a time, and to sync after a server error in paged mode.
 * - `connection.parsedStatements`: pg's record of named statements; the statement cache forgets closed names there.
 * - `connection.stream`: to drop a socket at once (pg's `end()` waits for the server).
 * - `processID` / `secretKey` / `_getActiveQuery()` / `connection.cancel()`: a CancelRequest without pg's own
 *   `cancel()`, which reads a deprecated getter and prints a DeprecationWarning into users' logs.
 * - `connection`'s `parameterStatus` event: the server's role (in_hot_standby, default_transaction_read_only), which
 *   PostgreSQL 14+ reports at connect and whenever it changes; pg keeps no record of it.
 * - `connection`'s `readyForQuery` event: the end of a statement's answer, which pg reports to a failed query only
 *   after the error, and a role change arrives between the two.
 *
 * @example
 * destroySocket(client) // the socket is gone; pg emits 'end' and the connection is marked broken
 */
import pg from 'pg'

/** The protocol writer under a pg.Client: what a query's `prepare` and a portal's paging call. */
export interface PgWire {
  parse(m: { text: string; name: string; types: unknown[] }): void
  bind(m: { portal: string; statement: string; values: unknown[] }): void
  execute(m: { portal: string; rows: number }): void
  describe(m: { type: 'P' | 'S'; name: string }): void
  close(m: { type: 'P' | 'S'; name: string }): void
  flush(): void
  sync(): void
  /** pg's record of the named statements parsed on this connection. */
  parsedStatements: Record<string, string | undefined>
}

/** The overridable protocol hooks of a pg.Query, as pg 8 calls them. */
export interface PgQueryHooks {
  name?: string
  queryMode?: string
  prepare(connection: PgWire): void
  _getRows(connection: PgWire, rows: number): void
  handlePortalSuspended(connection: PgWire): void
  handleCommandComplete(msg: unknown, connection: PgWire): void
  handleEmptyQuery(connection: PgWire): void
  handleError(err: Error, connection: PgWire): void
  on(event: 'row', f: (row: unknown) => void): void
  on(event: 'end' | 'error', f: (arg: unknown) => void): void
}

type QueryCallback = (err: Error | null, res: pg.QueryResult | pg.QueryResult[]) => void

/** pg.Query built from (text, values, callback), with its protocol hooks visible to a subclass. */
export const CallbackQuery = pg.Query as unknown as new (text: string, values: unknown[], callback: QueryCallback) => pg.Query & PgQueryHooks

/** pg.Query built from a config whose `rows` makes it page through a portal, with its hooks visible. */
export const PagedQuery = pg.Query as unknown as new (config: pg.QueryConfig & { rows: number }) => pg.Query & PgQueryHooks

interface ClientInternals {
  processID: number | null
  secretKey: number
  host: string
  port: number
  _getActiveQuery?(): unknown
  connection?: {
    stream?: { destroy(): void }
    on?(event: 'parameterStatus', f: (m: { parameterName: string; parameterValue: string }) => void): void
    once?(event: 'readyForQuery', f: () => void): void
    off?(event: 'readyForQuery', f: () => void): void
  }
}

interface CancelConnection {
  connect(port: number | string, host?: string): void
  cancel(pid: number, key: number): void
  on(event: string, f: () => void): void
}

/** The server's process id for this session (null before connect). */
export function backendPid(client: pg.Client): number | undefined {
  return (client as unknown as ClientInternals).processID ?? undefined
}

/** Drops the client's socket at once. */
export function destroySocket(client: pg.Client): void {
  ;(client as unknown as ClientInternals).connection?.stream?.destroy()
}

/** Calls `f` for every ParameterStatus the server sends on `client`, those at connect included (call it before connect). */
export function onParameterStatus(client: pg.Client, f: (name: string, value: string) => void): void {
  ;(client as unknown as ClientInternals).connection?.on?.('parameterStatus', (m) => f(m.parameterName, m.parameterValue))
}

/**
 * Calls `f` once, at the next ReadyForQuery the server sends (the end of the current statement's answer), or at once
 * when pg gives no access to it. Returns a function that stops waiting.
 */
export function onNextReadyForQuery(client: pg.Client, f: () => void): () => void {
  const wire = (client as unknown as ClientInternals).connection
  if (!wire?.once || !wire.off) {
    f()
    return () => undefined
  }
  wire.once('readyForQuery', f)
  return () => wire.off!('readyForQuery', f)
}

/** Whether a statement is running on the client (true when pg cannot tell). */
export function hasActiveQuery(client: pg.Client): boolean {
  const c = client as unknown as ClientInternals
  return c._getActiveQuery ? Boolean(c._getActiveQuery()) : true
}

/**
 * Sends a CancelRequest for `target`'s running statement over a new socket made from `config` (the same host):
 * that socket carries only the cancel message. Resolves when the server closes it, or after `boundMs`.
 */
export function sendCancelRequest(config: pg.ClientConfig, target: pg.Client, boundMs: number): Promise<void> {
  const t = target as unknown as ClientInternals
  const canceller = new pg.Client(config) as unknown as ClientInternals & { connection: CancelConnection; on(e: string, f: () => void): void }
  canceller.on('error', () => undefined)
  return new Promise<void>((resolve) => {
    const c = canceller.connection
    c.on('end', resolve)
    c.on('error', resolve)
    c.on('connect', () => c.cancel(t.processID!, t.secretKey))
    if (canceller.host.startsWith('/')) c.connect(`${canceller.host}/.s.PGSQL.${canceller.port}`)
    else c.connect(canceller.port, canceller.host)
    setTimeout(resolve, boundMs).unref()
  })
}

// pg-types 2 exports `arrayParser.create(text, fn).parse()` (its @types say otherwise).
const arrayParser = pg.types.arrayParser as unknown as { create(text: string, el: (t: string) => unknown): { parse(): unknown } }

/** Parses a PostgreSQL array literal, each element's text with `element`. */
export function parseArrayLiteral(text: string, element: (t: string) => unknown): unknown {
  return arrayParser.create(text, element).parse()
}
