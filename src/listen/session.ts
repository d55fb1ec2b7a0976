/**
 * The connection that carries LISTEN: one per db, opened outside the pool. PostgreSQL: a raw connection from the
 * dialect driver (the db's own, or one for `listenUrl` behind PgBouncer), whose notifications arrive as pg's
 * 'notification' events. PGlite: the instance's own listen(), run while holding the engine's single session.
 *
 * @example
 * const s = await openListenSession(engine, { notify: (ch, p) => …, lost: (err) => … })
 * await s.listen('jobs')
 */
import type { RawConnection } from '../dialects/dialect.js'
import { driverFor } from '../dialects/driver-for.js'
import type { PostgresConnection } from '../dialects/postgres/connection.js'
import type { Engine } from '../engine/engine.js'
import { ConfigError } from '../errors.js'
import { countListenerInBudget } from './budget.js'

/** What the listener needs of its connection. */
export interface ListenSession {
  listen(channel: string): Promise<void>
  unlisten(channel: string): Promise<void>
  /** The server's id for the session (PostgreSQL backend pid). */
  readonly serverId: number | undefined
  close(): Promise<void>
}

export interface SessionEvents {
  notify(channel: string, payload: string): void
  /** The connection was lost (killed backend, server restart, network): the listener reconnects. */
  lost(err: Error): void
}

/** A channel name quoted as an identifier, exactly as pg_notify() names it. */
export function quoteChannel(channel: string): string {
  return `"${channel.replace(/"/g, '""')}"`
}

/** Checks a channel name: a non-empty string (PostgreSQL truncates identifiers beyond 63 bytes, so they are refused). */
export function checkChannel(channel: unknown): string {
  if (typeof channel !== 'string' || channel.length === 0 || Buffer.byteLength(channel) > 63 || channel.includes('\0')) {
    throw new ConfigError(`A LISTEN/NOTIFY channel is a non-empty name of at most 63 bytes, got ${JSON.stringify(channel)}.`)
  }
  return channel
}

/** Opens the listen connection for `engine`: PostgreSQL (directly, or through `listenUrl`) or PGlite. */
export function listenOpener(engine: Engine): (events: SessionEvents) => Promise<ListenSession> {
  const c = engine.config
  if (c.dialect === 'mysql') {
    throw new ConfigError('db.listen and LISTEN/NOTIFY are not supported on MySQL or MariaDB: they are PostgreSQL features. Use a table polled by a scope instead.')
  }
  if (c.dialect === 'pglite') return (events) => openPGlite(engine, events)
  if (c.pooler === 'pgbouncer' && !c.listenUrl) {
    throw new ConfigError(
      "db.listen needs a direct connection to PostgreSQL: behind pooler: 'pgbouncer' (transaction pooling) a LISTEN is " +
        'lost when PgBouncer hands the server connection to another client. Give defineDb a listenUrl that points at ' +
        'PostgreSQL itself.',
    )
  }
  const driver = c.listenUrl
    ? driverFor({ ...c, url: c.listenUrl, pooler: undefined, statementCache: 0, arrayLookups: [] }, (m) => engine.warn(m))
    : engine.driver
  let first = true
  return async (events) => {
    const raw = (await driver.connect()) as PostgresConnection & RawConnection
    if (first && !c.listenUrl) {
      try {
        await countListenerInBudget(engine, raw)
      } catch (err) {
        raw.destroy()
        throw err
      }
    }
    first = false
    let lost = false
    const fail = (err: Error): void => {
      if (lost) return
      lost = true
      events.lost(err)
    }
    raw.client.on('notification', (m: { channel: string; payload?: string }) => events.notify(m.channel, m.payload ?? ''))
    raw.onBroken(fail)
    return {
      serverId: raw.serverId,
      listen: async (ch) => void (await raw.query(`LISTEN ${quoteChannel(ch)}`, [])),
      unlisten: async (ch) => void (await raw.query(`UNLISTEN ${quoteChannel(ch)}`, [])),
      close: async () => {
        lost = true
        await raw.close()
      },
    }
  }
}

/** The part of a PGlite instance used here (PGlite 0.2+). */
interface PGliteListen {
  listen(channel: string, cb: (payload: string) => void): Promise<() => Promise<void>>
}

/** PGlite: in process, never lost. LISTEN runs while the engine's single session is held, never inside a scope's BEGIN. */
async function openPGlite(engine: Engine, events: SessionEvents): Promise<ListenSession> {
  const instance = (await engine.driver.embedded!()) as unknown as PGliteListen
  const stops = new Map<string, () => Promise<void>>()
  const holding = async <T>(fn: () => Promise<T>): Promise<T> => {
    const checkout = await engine.acquire(false)
    try {
      return await fn()
    } finally {
      engine.release(checkout)
    }
  }
  return {
    serverId: undefined,
    listen: async (ch) => {
      if (stops.has(ch)) return
      stops.set(ch, await holding(() => instance.listen(quoteChannel(ch), (payload) => events.notify(ch, payload))))
    },
    unlisten: async (ch) => {
      const stop = stops.get(ch)
      stops.delete(ch)
      if (stop) await holding(stop)
    },
    close: async () => {
      const all = [...stops.values()]
      stops.clear()
      if (engine.disposed) return
      for (const stop of all) await holding(stop).catch(() => undefined)
    },
  }
}
