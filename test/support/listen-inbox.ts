/**
 * For LISTEN tests: an inbox that records every payload a handler receives and resolves waits on a payload or a
 * count (events, never sleeps), and the listen connection's backend pid read from pg_stat_activity.
 *
 * @example
 * const inbox = new Inbox()
 * await db.listen('ch', inbox.handler)
 * await db.notify('ch', 'a')
 * await inbox.waitFor('a')
 */
import pg from 'pg'

export class Inbox {
  readonly received: string[] = []
  #waiters: { check: () => boolean; resolve: () => void }[] = []

  readonly handler = (payload: string): void => {
    this.received.push(payload)
    this.#waiters = this.#waiters.filter((w) => (w.check() ? (w.resolve(), false) : true))
  }

  #wait(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    if (check()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; received ${this.received.length}: ${this.received.slice(-5).join(', ')}`)), timeoutMs)
      this.#waiters.push({ check, resolve: () => (clearTimeout(t), resolve()) })
    })
  }

  /** Resolves once `payload` has been received. */
  waitFor(payload: string, timeoutMs = 20_000): Promise<void> {
    return this.#wait(`"${payload}"`, () => this.received.includes(payload), timeoutMs)
  }

  /** Resolves once `n` payloads have been received. */
  waitForCount(n: number, timeoutMs = 20_000): Promise<void> {
    return this.#wait(`${n} payloads`, () => this.received.length >= n, timeoutMs)
  }
}

/** A latch: `open()` resolves `opened`; `next()` returns a promise for the next opening. */
export class Signal {
  #resolvers: (() => void)[] = []
  count = 0
  readonly fire = (): void => {
    this.count++
    const r = this.#resolvers
    this.#resolvers = []
    for (const f of r) f()
  }
  next(timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for the signal')), timeoutMs)
      this.#resolvers.push(() => (clearTimeout(t), resolve()))
    })
  }
}

/** The pid of the session of `database` whose last statement was a LISTEN (the db's listen connection). */
export async function listenBackendPid(url: string, database: string): Promise<number> {
  const c = new pg.Client({ connectionString: url })
  c.on('error', () => undefined)
  await c.connect()
  try {
    const r = await c.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid() ORDER BY backend_start DESC",
      [database],
    )
    if (r.rows.length !== 1) throw new Error(`expected one listening session on ${database}, found ${r.rows.length}`)
    return r.rows[0]!.pid
  } finally {
    await c.end().catch(() => undefined)
  }
}

/** pg_terminate_backend(pid), from a separate connection. */
export async function terminate(url: string, pid: number): Promise<void> {
  const c = new pg.Client({ connectionString: url })
  c.on('error', () => undefined)
  await c.connect()
  try {
    await c.query('SELECT pg_terminate_backend($1)', [pid])
  } finally {
    await c.end().catch(() => undefined)
  }
}
