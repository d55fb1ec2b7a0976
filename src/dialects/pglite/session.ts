/**
 * PGlite has one session, so a transaction must own it until it ends: a FIFO lock per instance, and a connection
 * that holds the lock until it is closed. Values are parsed by the same parsers as node-postgres.
 *
 * @example
 * const session = await openSession(pglite, parsers)
 * try { await session.query('SELECT 1', []) } finally { session.destroy() }
 */
import type { QueryResult } from 'kysely'
import { inChunks, type RawConnection, type Statement } from '../dialect.js'
import { commandResult } from '../query-result.js'
import type { PostgresTypeParsers } from '../postgres/parsers.js'

/**
 * The part of a PGlite instance dbscope uses. Structural, so that dbscope's published types never pull in PGlite's
 * own declaration files; a real `PGlite` fits it.
 */
export interface PGliteInstance {
  readonly waitReady: Promise<void>
  query<T = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    options?: { parsers?: Record<number, (value: string, typeId: number) => unknown> },
  ): Promise<{ rows: T[]; affectedRows?: number }>
  close(): Promise<void>
}

export type Parsers = Record<number, (text: string) => unknown>

/** The OIDs whose node-postgres parser is applied to PGlite results (scalars and their arrays). */
const PARSED_OIDS = [
  16, 1000, 17, 1001, 20, 1016, 21, 1005, 23, 1007, 26, 1028, 700, 1021, 701, 1022, 114, 199, 3802, 3807, 1082, 1182,
  1114, 1115, 1184, 1185, 1186, 1187, 1700, 1231, 600, 1017, 718, 1009, 1015, 2951,
]

/** PGlite `parsers` for these OIDs (default: the built-in ones dbgen types), taken from the node-postgres table. */
export function parsersFrom(types: PostgresTypeParsers, oids: readonly number[] = PARSED_OIDS): Parsers {
  return Object.fromEntries(oids.map((oid) => [oid, types.getTypeParser(oid, 'text')]))
}

/** A FIFO lock per PGlite instance: PGlite has one session, so a transaction must own it until it ends. */
class SessionLock {
  #tail: Promise<void> = Promise.resolve()
  acquire(): Promise<() => void> {
    let release!: () => void
    const next = new Promise<void>((r) => (release = r))
    const ready = this.#tail.then(() => release)
    this.#tail = this.#tail.then(() => next)
    return ready
  }
}

const locks = new WeakMap<PGliteInstance, SessionLock>()
function lockFor(pglite: PGliteInstance): SessionLock {
  let l = locks.get(pglite)
  if (!l) locks.set(pglite, (l = new SessionLock()))
  return l
}

export class PGliteConnection implements RawConnection {
  readonly #pglite: PGliteInstance
  readonly #parsers: Record<number, (text: string) => unknown>
  #release: (() => void) | undefined
  readonly serverId = undefined
  readonly broken = false

  constructor(pglite: PGliteInstance, parsers: Record<number, (text: string) => unknown>, release: () => void) {
    this.#pglite = pglite
    this.#parsers = parsers
    this.#release = release
  }

  async query<R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    const res = await this.#pglite.query(sql, params as unknown[], { parsers: this.#parsers })
    const r = res as { rows: unknown[]; affectedRows?: number; command?: string }
    return commandResult<R>(r.command, r.affectedRows, r.rows)
  }

  async queryAfter<R>(prefix: readonly Statement[], sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    for (const p of prefix) await this.#pglite.query(p.sql, p.parameters as unknown[])
    return this.query<R>(sql, params)
  }

  /** DISCARD ALL, as on PostgreSQL: the instance's one session is the next connection's too. */
  async reset(): Promise<void> {
    await this.#pglite.query('DISCARD ALL')
  }

  stream<R>(sql: string, params: readonly unknown[], chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    return inChunks(() => this.query<R>(sql, params), chunkSize)
  }

  onBroken(): void {}

  async close(): Promise<void> {
    this.destroy()
  }

  /** Gives the session back; the PGlite instance itself stays open. */
  destroy(): void {
    const r = this.#release
    this.#release = undefined
    r?.()
  }
}

/** Opens a session on the instance: waits for the lock, which the returned connection holds until closed. */
export async function openSession(pglite: PGliteInstance, parsers: Record<number, (text: string) => unknown>): Promise<PGliteConnection> {
  const release = await lockFor(pglite).acquire()
  try {
    await pglite.waitReady
  } catch (err) {
    release()
    throw err
  }
  return new PGliteConnection(pglite, parsers, release)
}
