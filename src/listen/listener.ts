/**
 * A db's LISTEN side: one connection carries every channel; handlers per channel; after a loss it reconnects with
 * backoff, LISTENs every channel again, then calls each `onReconnect`. A handler that throws or rejects is reported
 * (to `onHookError`, else as a warning) and never stops the listener or the other handlers.
 *
 * @example
 * const listener = new Listener(engine)
 * const unlisten = await listener.listen('jobs', (payload) => queue.push(payload), { onReconnect: catchUp })
 */
import type { Engine } from '../engine/engine.js'
import { ConfigError, EngineDisposedError } from '../errors.js'
import { checkChannel, listenOpener, type ListenSession, type SessionEvents } from './session.js'

/** What `db.listen` takes beside the channel and handler. */
export interface ListenOptions {
  /**
   * Called after the listen connection was lost and is back, every channel LISTENed again: PostgreSQL drops the
   * notifications sent while nobody listened, so catch up here (read what changed since).
   */
  readonly onReconnect?: () => unknown
}

/** The listen connection in `db.stats()`. */
export interface ListenerStats {
  /** The listen connection is open (false while it reconnects). */
  readonly connected: boolean
  /** Channels listened to. */
  readonly channels: number
  /** Reconnects since the first listen. */
  readonly reconnects: number
}

interface Entry {
  readonly handler: (payload: string) => unknown
  readonly onReconnect: (() => unknown) | undefined
}

interface Channel {
  readonly entries: Set<Entry>
  /** LISTEN sent and answered (or failed) for this channel. */
  ready: Promise<void>
}

/** First delay before a reconnect attempt, and the longest. */
const BACKOFF_FIRST_MS = 50
const BACKOFF_MAX_MS = 5_000
const noop = (): void => undefined

export class Listener {
  readonly #engine: Engine
  readonly #open: (events: SessionEvents) => Promise<ListenSession>
  readonly #channels = new Map<string, Channel>()
  #session: ListenSession | undefined
  #opening: Promise<ListenSession> | undefined
  #everOpened = false
  #closed = false
  #reconnects = 0
  #wake: (() => void) | undefined
  #timer: NodeJS.Timeout | undefined

  constructor(engine: Engine) {
    this.#engine = engine
    this.#open = listenOpener(engine)
  }

  stats(): ListenerStats {
    return { connected: this.#session !== undefined, channels: this.#channels.size, reconnects: this.#reconnects }
  }

  /** The backend's id of the listen connection (PostgreSQL pid), when connected. */
  get serverId(): number | undefined {
    return this.#session?.serverId
  }

  async listen(channel: string, handler: (payload: string) => unknown, options: ListenOptions = {}): Promise<() => Promise<void>> {
    checkChannel(channel)
    if (typeof handler !== 'function') throw new ConfigError('db.listen(channel, handler) takes a function as its handler.')
    if (options.onReconnect !== undefined && typeof options.onReconnect !== 'function') {
      throw new ConfigError('db.listen: onReconnect must be a function.')
    }
    this.#assertOpen()
    const entry: Entry = { handler, onReconnect: options.onReconnect }
    let ch = this.#channels.get(channel)
    if (!ch) {
      const fresh: Channel = { entries: new Set([entry]), ready: Promise.resolve() }
      this.#channels.set(channel, fresh)
      fresh.ready = this.#listenOn(channel)
      ch = fresh
    } else ch.entries.add(entry)
    try {
      await ch.ready
    } catch (err) {
      this.#remove(channel, entry, false)
      throw err
    }
    let done: Promise<void> | undefined
    return () => (done ??= this.#remove(channel, entry, true))
  }

  /** LISTEN on the live connection (opening it on first use); a connection lost meanwhile LISTENs again on reconnect. */
  async #listenOn(channel: string): Promise<void> {
    for (;;) {
      const s = await this.#live()
      try {
        await s.listen(channel)
        return
      } catch (err) {
        // Lost while LISTEN was in flight: the reconnect LISTENs every channel, this one included; wait for it.
        if (this.#session === s || this.#closed) throw err
      }
    }
  }

  async #remove(channel: string, entry: Entry, unlisten: boolean): Promise<void> {
    const ch = this.#channels.get(channel)
    if (!ch || !ch.entries.delete(entry) || ch.entries.size > 0) return
    this.#channels.delete(channel)
    if (unlisten && this.#session) await this.#session.unlisten(channel).catch(noop)
  }

  #assertOpen(): void {
    if (this.#closed) throw new EngineDisposedError('This db was disposed; its listen connection is closed. Call defineDb() again.')
  }

  /** The open connection, the one being opened, or a new one (the first is not retried: its error is the caller's). */
  #live(): Promise<ListenSession> {
    this.#assertOpen()
    if (this.#session) return Promise.resolve(this.#session)
    if (this.#opening) return this.#opening
    const opening = this.#everOpened ? this.#reconnect() : this.#connect()
    this.#opening = opening
    opening.then(
      () => (this.#opening = undefined),
      () => (this.#opening = undefined),
    )
    return opening
  }

  async #connect(): Promise<ListenSession> {
    const s = await this.#openSession()
    this.#everOpened = true
    return this.#adopt(s)
  }

  /** Opens a session whose events count only while it is the listener's current one (or being set up). */
  #openSession(): Promise<ListenSession> {
    let session: ListenSession | undefined
    let gone = false
    const opened = this.#open({
      notify: (channel, payload) => {
        if (!gone) this.#dispatch(channel, payload)
      },
      lost: (err) => {
        if (gone) return
        gone = true
        if (session && this.#session === session) this.#lost(err)
      },
    })
    return opened.then((s) => {
      session = s
      if (gone) throw new Error('the listen connection was lost while it opened')
      return s
    })
  }

  #adopt(s: ListenSession): ListenSession {
    if (this.#closed) {
      void s.close().catch(noop)
      this.#assertOpen()
    }
    this.#session = s
    return s
  }

  #lost(err: Error): void {
    this.#session = undefined
    if (this.#closed) return
    this.#engine.warn(`The db.listen connection was lost (${err.message}); reconnecting and listening again.`)
    // Reconnect now, not at the next listen(): notifications are lost while nobody listens.
    this.#live().catch(noop)
  }

  /** Reconnects with backoff until it succeeds or the db is disposed; LISTENs every channel, then onReconnect. */
  async #reconnect(): Promise<ListenSession> {
    let delay = BACKOFF_FIRST_MS
    for (;;) {
      this.#assertOpen()
      let s: ListenSession | undefined
      try {
        s = await this.#openSession()
        for (const ch of this.#channels.keys()) await s.listen(ch)
      } catch {
        if (s) void s.close().catch(noop)
        await this.#sleep(delay)
        delay = Math.min(delay * 2, BACKOFF_MAX_MS)
        continue
      }
      this.#reconnects++
      this.#adopt(s)
      for (const ch of this.#channels.values()) {
        for (const e of ch.entries) if (e.onReconnect) this.#call(() => e.onReconnect!())
      }
      return s
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve
      this.#timer = setTimeout(resolve, ms)
      this.#timer.unref?.()
    })
  }

  #dispatch(channel: string, payload: string): void {
    const ch = this.#channels.get(channel)
    if (!ch) return
    for (const e of [...ch.entries]) if (ch.entries.has(e)) this.#call(() => e.handler(payload))
  }

  /** Runs a handler; a throw or a rejection is reported and stops nothing. */
  #call(fn: () => unknown): void {
    try {
      const r = fn()
      if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(undefined, (err) => this.#report(err))
    } catch (err) {
      this.#report(err)
    }
  }

  #report(err: unknown): void {
    const handler = this.#engine.config.onHookError
    if (handler) {
      try {
        handler(err)
      } catch {
        /* a failing error handler must not stop the listener */
      }
      return
    }
    this.#engine.warn(`A db.listen handler threw; the listener goes on. Set onHookError to handle it. ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
  }

  /** Closes the connection and stops reconnecting (db.dispose()). */
  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#wake?.()
    const s = this.#session
    this.#session = undefined
    this.#channels.clear()
    if (s) await s.close().catch(noop)
    if (this.#opening) await this.#opening.then((o) => o.close(), noop).catch(noop)
  }
}
