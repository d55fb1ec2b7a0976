/**
 * Every mysql2 internal dbscope relies on, fenced in this one file: the command queue of a connection and the
 * protocol of a command in it. None of them is public API, so a mysql2 upgrade that changes one must fail here,
 * loudly: test/mysql2-internals.test.ts pins each against the installed mysql2 and a real MariaDB.
 *
 * Why: mysql2 sends a command only when the one before it has been answered, so a transaction's START TRANSACTION
 * and its first statement cost two round trips. `sendPipelined` writes several statements back to back and then
 * reads their answers in order, as one command of mysql2's queue; the server runs them in order, as if each had been
 * sent after the answer to the one before (it does not skip one after an error: the caller decides what may travel
 * together). Each statement is still one COM_QUERY, so `multipleStatements` stays off.
 *
 * What it uses:
 * - `createQuery` (exported, untyped): builds mysql2's Query command, whose `execute(packet, connection)` writes the
 *   COM_QUERY when called without a packet and returns true once its answer has been read; and the Command class
 *   it extends, for a command of our own.
 * - `connection.addCommand(command)`: queues a command; the connection starts it with `execute()` and feeds it the
 *   server's packets until `execute` returns true. When the connection fails it calls the command's `onResult(err)`.
 * - `connection._resetSequenceId()` / `_bumpSequenceId(n)`: the packet sequence number, which mysql2 checks on every
 *   packet it reads and which restarts with each command.
 * - `connection.stream`: the socket, corked while a pipeline writes, so that its statements leave in one write.
 * - `connection.config.compress`: the compressed protocol numbers its packets on a second counter; pipelining is
 *   not offered there (`canPipeline` says no) and the caller sends one statement at a time.
 *
 * @example
 * if (canPipeline(conn)) sendPipelined(conn, [{ sql: 'START TRANSACTION', callback: onBegin }, { sql: 'SELECT 1', callback: onRows }])
 */
import mysql from 'mysql2'
import type { Connection, FieldPacket } from 'mysql2'

/** What mysql2 calls back with for one statement. */
export type QueryCallback = (err: Error | null, result?: unknown, fields?: FieldPacket[]) => void

/** One statement of a pipeline: its text, already formatted with its values (`connection.format`). */
export interface PipelinedStatement {
  readonly sql: string
  readonly callback: QueryCallback
}

/** A command in mysql2's queue, as the connection drives it. */
export interface MysqlCommand {
  execute(packet: unknown, connection: ConnectionInternals): boolean
  onResult?: ((err: Error) => void) | undefined
  emit(event: string, ...args: unknown[]): boolean
}

/** The parts of a mysql2 connection a pipeline uses. */
export interface ConnectionInternals {
  addCommand(command: MysqlCommand): unknown
  _resetSequenceId(): void
  _bumpSequenceId(n: number): void
  readonly config: { readonly compress?: boolean }
  /** The socket (TCP, TLS or Unix). */
  readonly stream: { cork(): void; uncork(): void }
}

type CreateQuery = (sql: string, values: unknown[] | undefined, callback: QueryCallback | undefined, config: object) => MysqlCommand
/** mysql2's exported Query factory: its typings leave it out. */
export const createQuery = (mysql as unknown as { createQuery: CreateQuery }).createQuery
/** mysql2's Query command class, and the Command class it extends. */
export const QueryCommand = Object.getPrototypeOf(createQuery('', undefined, undefined, {})).constructor as new (...args: never[]) => MysqlCommand
const Command = Object.getPrototypeOf(QueryCommand) as new () => MysqlCommand

/** Several Query commands written back to back; their answers are read in order, each by its own command. */
class Pipeline extends Command {
  readonly #queries: MysqlCommand[]
  #started = false
  /** The query whose answer is being read. */
  #current = 0

  constructor(queries: MysqlCommand[]) {
    super()
    this.#queries = queries
    // The connection failed (socket error or close) while this command was current: every statement not yet answered
    // fails with the connection's error, as each would had it waited in mysql2's queue.
    this.onResult = (err: Error) => {
      while (this.#current < this.#queries.length) this.#queries[this.#current++]!.onResult?.(err)
    }
  }

  override execute(packet: unknown, connection: ConnectionInternals): boolean {
    if (!this.#started) {
      // Started by the connection (no packet): each query resets the sequence number and writes its COM_QUERY, all
      // of them into one write of the socket.
      this.#started = true
      connection.stream.cork()
      try {
        for (const q of this.#queries) q.execute(undefined, connection)
      } finally {
        connection.stream.uncork()
      }
      return false
    }
    if (!this.#queries[this.#current]!.execute(packet, connection)) return false
    if (++this.#current < this.#queries.length) {
      // The next answer belongs to the next command: the server numbers its packets from 1 again.
      connection._resetSequenceId()
      connection._bumpSequenceId(1)
      return false
    }
    this.emit('end')
    return true
  }
}

/** Whether this connection can take a pipeline (not on the compressed protocol). */
export function canPipeline(conn: Connection): boolean {
  return (conn as unknown as ConnectionInternals).config.compress !== true
}

/**
 * Queues `statements` on `conn` as one command: when the connection gets to it, all of them leave back to back; each
 * callback is called with its statement's own answer, in order. Only where `canPipeline(conn)`.
 */
export function sendPipelined(conn: Connection, statements: readonly PipelinedStatement[]): void {
  const internals = conn as unknown as ConnectionInternals
  const queries = statements.map((s) => createQuery(s.sql, undefined, s.callback, internals.config))
  internals.addCommand(new Pipeline(queries))
}
