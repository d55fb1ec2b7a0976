/**
 * A fake connection object for the pool's unit tests (test/pool-*.test.ts). It is NOT a fake of a database: it answers
 * no SQL and stands in for no driver. It is the object the pool holds, so that the pool's own logic (queueing,
 * timeouts, release-once, lifetime, pre-ping, errors while idle, top-up, close) can be driven and observed, and so
 * that faults the pool must survive (a ping that fails, a socket that dies while idle, a connect that fails) happen
 * exactly when a test says. Behaviour against real servers is covered by the engine-* and scope-* tests.
 *
 * @example
 * const conns = new FakeConnector()
 * const pool = new Pool(conns.connect, poolOptions({ max: 1 }))
 * const c = await pool.acquire(false)
 * conns.opened[0]!.breakNow(new Error('socket closed'))
 */
import type { QueryResult } from 'kysely'
import { Pool, type PoolOptions } from '../../src/pool.js'

/** The connection type the pool's `connect` returns, taken from the Pool itself. */
export type RawConnection = Awaited<ReturnType<ConstructorParameters<typeof Pool>[0]>>

export class FakeConnection implements RawConnection {
  readonly serverId: number
  broken = false
  /** Every statement the pool sent (the pool itself only ever sends its ping). */
  readonly queries: string[] = []
  closed = 0
  destroyed = 0
  /** The next query rejects with this error (a dead connection found by a ping). */
  failQueriesWith: Error | undefined
  #brokenListeners: ((err: Error) => void)[] = []

  constructor(serverId: number) {
    this.serverId = serverId
  }

  async query<R>(sql: string, _params: readonly unknown[]): Promise<QueryResult<R>> {
    this.queries.push(sql)
    if (this.failQueriesWith) throw this.failQueriesWith
    return { rows: [] }
  }

  /** A reset waits for this first (a reset that hangs, until the test settles it). */
  resetGate: Promise<void> | undefined

  /** The pool's reset of a session a statement changed: recorded as a query, failing as queries do. */
  async reset(): Promise<void> {
    await this.resetGate
    await this.query('(reset)', [])
  }

  queryAfter<R>(prefix: readonly { sql: string }[], sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    for (const p of prefix) this.queries.push(p.sql)
    return this.query<R>(sql, params)
  }

  async *stream<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('FakeConnection does not stream: the pool never streams on its own')
  }

  onBroken(listener: (err: Error) => void): void {
    this.#brokenListeners.push(listener)
  }

  /** What a driver does when the socket errors or the server ends the session: flag it and tell the listeners. */
  breakNow(err: Error): void {
    this.broken = true
    for (const l of this.#brokenListeners) l(err)
  }

  async close(): Promise<void> {
    this.closed++
  }

  destroy(): void {
    this.destroyed++
  }

  /** Closed or destroyed at least once. */
  get ended(): boolean {
    return this.closed + this.destroyed > 0
  }
}

/** Hands out FakeConnections, keeping every one it opened; `failNext` makes the next connect reject. */
export class FakeConnector {
  readonly opened: FakeConnection[] = []
  #failures: Error[] = []

  failNext(err: Error): void {
    this.#failures.push(err)
  }

  readonly connect = async (): Promise<RawConnection> => {
    const err = this.#failures.shift()
    if (err) throw err
    const c = new FakeConnection(this.opened.length + 1)
    this.opened.push(c)
    return c
  }

  /** The fake behind a checkout's `raw`. */
  fake(raw: RawConnection): FakeConnection {
    if (!(raw instanceof FakeConnection)) throw new Error('not a FakeConnection')
    return raw
  }
}

/** Pool options with everything off (no timeout, no lifetime, no ping, no leak watch), overridden by `over`. */
export function poolOptions(over: Partial<PoolOptions> = {}): PoolOptions {
  return {
    max: 2,
    min: 0,
    acquireTimeoutMs: 0,
    idleTimeoutMs: 0,
    maxLifetimeMs: 0,
    prePing: false,
    reuse: true,
    leakWarnMs: 0,
    ...over,
  }
}

/** Settles pending promise callbacks (several hops: the pool awaits connect, then hands over). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

/** Whether `p` has settled by now (after a flush), without waiting for it. */
export async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false
  p.then(
    () => (done = true),
    () => (done = true),
  )
  await flush()
  return done
}
