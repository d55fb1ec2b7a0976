/**
 * The connection pool: one small, explicit pool that behaves the same on pg, mysql2 and PGlite.
 *
 * Why our own: mysql2's pool has no acquire timeout or connection lifetime, and pg's has no checkout stacks;
 * the engine needs the same stats, eviction, leak watch and NullPool mode on every dialect.
 *
 * @example
 * const pool = new Pool(() => driver.connect(), { max: 10, acquireTimeoutMs: 5_000 })
 * const c = await pool.acquire(); try { await c.raw.query('SELECT 1', []) } finally { pool.release(c) }
 */
import { captureOrigin, type Checkout, type Origin, type Trace } from './checkout.js'
import type { RawConnection } from './dialects/dialect.js'
import { EngineDisposedError } from './errors.js'
import { cancelWithin, closeWithin, pingWithin } from './pool-bounds.js'
import { poolTimeout, type PoolEvents, type PoolOptions, type PoolStats } from './pool-options.js'
import { RESET_TIMEOUT_MS, resetWithin } from './pool-reset.js'

export type { PoolEvents, PoolOptions, PoolStats }

interface Waiter {
  resolve(c: Checkout): void
  reject(e: Error): void
  timer: NodeJS.Timeout | undefined
  done: boolean
  origin: Origin | undefined
}

/** How long a cut connection may take to come back once its statement was cancelled, before it is dropped. */
const CUT_SETTLE_MS = 1_000

/** One physical connection, as the pool keeps it. Each checkout of it is a new Checkout handle. */
interface Slot {
  readonly raw: RawConnection
  readonly id: number
  readonly createdAt: number
  lastUsedAt: number
}

export class Pool {
  readonly #connect: () => Promise<RawConnection>
  #opts: PoolOptions
  readonly #events: PoolEvents
  readonly #idle: Slot[] = []
  /** The handles checked out now, each with its connection: a handle released once is gone from here. */
  readonly #busy = new Map<Checkout, Slot>()
  #waiters: Waiter[] = []
  #creating = 0
  /** Idle connections being pinged before they are handed out (counted, so nobody opens one too many). */
  #pinging = 0
  /** Connections being reset before reuse (see session-state.ts): neither idle nor checked out. */
  readonly #resetting = new Set<Slot>()
  #closed = false
  #nextId = 1
  #reaper: NodeJS.Timeout | undefined
  /** Set while the first connection's `firstConnect` runs: others wait so the guard can clamp `max` first. */
  #gate: Promise<void> | undefined
  #firstConnectDone = false
  #drained: (() => void) | undefined

  constructor(connect: () => Promise<RawConnection>, opts: PoolOptions, events: PoolEvents = {}) {
    this.#connect = connect
    this.#opts = opts
    this.#events = events
  }

  get options(): PoolOptions {
    return this.#opts
  }

  /** Lowers or raises `max` (the guard clamps with it). */
  resize(max: number): void {
    this.#opts = { ...this.#opts, max: Math.max(1, max), min: Math.min(this.#opts.min, Math.max(1, max)) }
  }

  /**
   * Hands out a connection: an idle one, a new one, or the next one released, within `acquireTimeoutMs`.
   * `trace` records the caller's stack (synchronously, before any await) for the leak warning; see {@link Trace}.
   */
  acquire(trace: Trace = true): Promise<Checkout> {
    if (this.#closed) return Promise.reject(new EngineDisposedError('The pool is closed: the engine was disposed. Create a new db with defineDb().'))
    const origin = this.#origin(trace)
    if (this.#reaper === undefined) this.#startReaper()
    // Fast path: an idle connection that needs no ping.
    const c = this.#ready()
    if (c !== undefined) return Promise.resolve(this.#checkOut(c, origin))
    return this.#acquireSlow(origin)
  }

  /** An idle connection handed out at once when one is ready (no ping, no wait), or undefined: then use acquire(). */
  acquireIdle(trace: Trace = true): Checkout | undefined {
    if (this.#closed) return undefined
    const c = this.#ready()
    if (c === undefined) return undefined
    if (this.#reaper === undefined) this.#startReaper()
    return this.#checkOut(c, this.#origin(trace))
  }

  #origin(trace: Trace): Origin | undefined {
    if (trace === false || this.#opts.leakWarnMs <= 0) return undefined
    return trace === true ? captureOrigin() : trace
  }

  #ready(): Slot | undefined {
    return this.#gate === undefined && !this.#opts.prePing ? this.#takeIdle() : undefined
  }

  /** The most recently used idle connection that is neither expired nor broken (those are closed on the way). */
  #takeIdle(): Slot | undefined {
    for (;;) {
      const c = this.#idle.pop()
      if (c === undefined || !(this.#expired(c) || c.raw.broken)) return c
      this.#discard(c)
    }
  }

  async #acquireSlow(origin: Origin | undefined): Promise<Checkout> {
    // While the first connection's budget check runs, wait in line: counted in stats().waiting, within acquireTimeoutMs.
    if (this.#gate !== undefined) return this.#wait(origin)
    const until = this.#opts.acquireTimeoutMs > 0 ? Date.now() + this.#opts.acquireTimeoutMs : Number.POSITIVE_INFINITY
    for (let c = this.#takeIdle(); c !== undefined; c = this.#takeIdle()) {
      if (!this.#opts.prePing) return this.#checkOut(c, origin)
      this.#pinging++
      const alive = await pingWithin(c.raw, until) // bounded: a silent connection is destroyed
      this.#pinging--
      // The ping's answer may have said the host turned read-only (PostgreSQL): then the connection is broken too.
      if (alive && !c.raw.broken) return this.#checkOut(c, origin)
      this.#discard(c)
      if (Date.now() >= until) throw poolTimeout(this.#opts, this.stats())
    }
    if (this.#total() < this.#opts.max) return this.#create((c) => this.#checkOut(c, origin))
    return this.#wait(origin)
  }

  /**
   * Takes a connection back. `destroy` (or a broken/expired connection) closes it instead of keeping it. One whose
   * session a statement changed is reset first, out of the caller's way (even one to close: PGlite's one session
   * outlives it); if the reset fails or hangs, the connection is closed.
   */
  release(handle: Checkout, destroy = false): void {
    const c = this.#busy.get(handle)
    if (c === undefined) return // released twice: the second release is ignored, whoever holds the connection now
    this.#busy.delete(handle)
    handle.checkedOutAt = 0
    handle.origin = undefined
    c.lastUsedAt = handle.lastUsedAt = Date.now()
    // Not after dispose (or on a broken socket): the connection is closed anyway, and PGlite's session with the engine.
    if (handle.session !== 'reset' || c.raw.broken || this.#closed) return this.#settle(c, destroy || handle.session === 'discard')
    this.#resetting.add(c)
    resetWithin(c.raw, RESET_TIMEOUT_MS).then(
      () => this.#resetting.delete(c) && this.#settle(c, destroy),
      (err: Error) => {
        if (!this.#resetting.delete(c)) return // close() took it
        this.#events.error?.(err)
        this.#settle(c, true)
      },
    )
  }

  /** Keeps a connection that came back (handing it to the next waiter), or closes it. */
  #settle(c: Slot, destroy: boolean): void {
    if (destroy || c.raw.broken || this.#expired(c) || !this.#opts.reuse || this.#closed) {
      this.#discard(c)
      this.#refill()
      this.#checkDrained()
      return
    }
    const w = this.#nextWaiter()
    if (w) {
      w.resolve(this.#checkOut(c, w.origin))
      return
    }
    this.#idle.push(c)
  }

  stats(): PoolStats {
    let oldest = 0
    if (this.#busy.size > 0) {
      const now = Date.now()
      for (const c of this.#busy.keys()) oldest = Math.max(oldest, now - c.checkedOutAt)
    }
    return {
      total: this.#total(),
      idle: this.#idle.length,
      busy: this.#busy.size,
      waiting: this.#waiters.length,
      oldestCheckoutMs: oldest,
    }
  }

  /**
   * Closes idle connections now and waits up to `graceMs` for busy ones to come back. Those still out are then cut:
   * marked (nothing more may run on them), their statements cancelled on the server by `cancel`, and given a moment
   * to come back with the failure; whatever is still out after that is dropped.
   */
  async close(graceMs = 5_000, cancel?: (raw: RawConnection) => Promise<void>): Promise<void> {
    if (this.#closed && this.#total() === 0) return
    this.#closed = true
    if (this.#reaper) clearInterval(this.#reaper)
    for (const w of this.#waiters.splice(0)) {
      if (w.timer) clearTimeout(w.timer)
      w.done = true
      w.reject(new EngineDisposedError('The engine was disposed while this query waited for a connection. Dispose only at shutdown, once work has stopped, or use guard.owner \'recreate\'.'))
    }
    await Promise.all(this.#idle.splice(0).map((c) => closeWithin(c.raw)))
    for (const c of this.#resetting) c.raw.destroy()
    this.#resetting.clear()
    await this.#drain(graceMs)
    if (this.#busy.size > 0 && cancel) {
      const cut = [...this.#busy.keys()]
      for (const c of cut) c.cut = true
      await Promise.all(cut.map((c) => cancelWithin(c.raw, cancel)))
      await this.#drain(CUT_SETTLE_MS)
    }
    for (const c of this.#busy.values()) c.raw.destroy()
    this.#busy.clear()
  }

  /** Resolves once no connection is out, or after `ms`. */
  #drain(ms: number): Promise<void> {
    if (this.#busy.size === 0) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t)
        this.#drained = undefined
        resolve()
      }
      const t = setTimeout(done, ms)
      this.#drained = done
    })
  }

  #total(): number {
    return this.#idle.length + this.#busy.size + this.#creating + this.#pinging + this.#resetting.size
  }

  #expired(c: Slot): boolean {
    return this.#opts.maxLifetimeMs > 0 && Date.now() - c.createdAt >= this.#opts.maxLifetimeMs
  }

  /** A new handle on `c` for its next holder. */
  #checkOut(c: Slot, origin: Origin | undefined): Checkout {
    const now = Date.now()
    c.lastUsedAt = now
    const handle: Checkout = {
      raw: c.raw,
      id: c.id,
      createdAt: c.createdAt,
      checkedOutAt: now,
      lastUsedAt: now,
      origin,
      lastSql: undefined,
      leakReported: false,
      cut: false,
      session: 'clean',
    }
    this.#busy.set(handle, c)
    return handle
  }

  /**
   * Opens a connection and hands it to `adopt` in the same synchronous step that stops counting it as "creating",
   * so that no other caller can see a free slot in between and open one too many.
   */
  async #create<T>(adopt: (c: Slot) => T): Promise<T> {
    this.#creating++
    // The first connection runs `firstConnect` (the budget check) before anyone else may open one.
    let openGate: (() => void) | undefined
    if (!this.#firstConnectDone && this.#events.firstConnect && this.#gate === undefined) {
      this.#gate = new Promise<void>((r) => (openGate = r))
    }
    let raw: RawConnection | undefined
    try {
      raw = await this.#connect()
      if (openGate) {
        await this.#events.firstConnect!(raw)
        this.#firstConnectDone = true
      }
      if (this.#closed) throw new EngineDisposedError('The engine was disposed while a connection was being opened.')
    } catch (err) {
      raw?.destroy()
      this.#creating--
      this.#openGate(openGate)
      this.#refill()
      throw err
    }
    this.#creating--
    const now = Date.now()
    const c: Slot = { raw, id: this.#nextId++, createdAt: now, lastUsedAt: now }
    const opened = raw
    opened.onBroken((err) => {
      const i = this.#idle.indexOf(c)
      if (i >= 0) {
        this.#idle.splice(i, 1)
        opened.destroy()
        this.#events.error?.(err)
        this.#refill()
      }
    })
    const adopted = adopt(c)
    this.#openGate(openGate)
    return adopted
  }

  /** Opens the first-connection gate: the callers waiting behind it get connections now. */
  #openGate(open: (() => void) | undefined): void {
    if (!open) return
    this.#gate = undefined
    open()
    this.#refill()
  }

  #wait(origin: Origin | undefined): Promise<Checkout> {
    return new Promise<Checkout>((resolve, reject) => {
      const w: Waiter = { resolve, reject, timer: undefined, done: false, origin }
      if (this.#opts.acquireTimeoutMs > 0) {
        w.timer = setTimeout(() => {
          w.done = true
          const i = this.#waiters.indexOf(w)
          if (i >= 0) this.#waiters.splice(i, 1)
          reject(poolTimeout(this.#opts, this.stats()))
        }, this.#opts.acquireTimeoutMs)
      }
      this.#waiters.push(w)
    })
  }

  #nextWaiter(): Waiter | undefined {
    for (;;) {
      const w = this.#waiters.shift()
      if (w === undefined) return undefined
      if (w.done) continue
      w.done = true
      if (w.timer) clearTimeout(w.timer)
      return w
    }
  }

  /** Closes a connection that is not in the idle list or checked out any more (or removes it from the idle list). */
  #discard(c: Slot): void {
    const i = this.#idle.indexOf(c)
    if (i >= 0) this.#idle.splice(i, 1)
    void c.raw.close()
  }

  /** Opens connections for waiters whose turn came because capacity was freed. */
  #refill(): void {
    if (this.#closed || this.#gate !== undefined) return
    while (this.#gate === undefined && this.#waiters.length > 0 && this.#total() < this.#opts.max) {
      const w = this.#nextWaiter()
      if (!w) return
      this.#create((c) => w.resolve(this.#checkOut(c, w.origin))).catch((err: Error) => w.reject(err))
    }
  }

  #checkDrained(): void {
    if (this.#closed && this.#busy.size === 0) this.#drained?.()
  }

  #startReaper(): void {
    if (this.#reaper) return
    const every = Math.max(50, Math.min(1_000, this.#opts.leakWarnMs || 1_000, this.#opts.idleTimeoutMs || 1_000))
    this.#reaper = setInterval(() => this.#reap(), every)
    this.#reaper.unref()
  }

  #reap(): void {
    const now = Date.now()
    for (let i = 0; i < this.#idle.length; ) {
      const c = this.#idle[i]!
      const idleTooLong = this.#opts.idleTimeoutMs > 0 && now - c.lastUsedAt >= this.#opts.idleTimeoutMs && this.#total() > this.#opts.min
      // An expired connection is recycled even below `min`: #topUp opens its replacement.
      if (idleTooLong || this.#expired(c)) this.#discard(c)
      else i++
    }
    if (this.#opts.leakWarnMs > 0) {
      for (const c of this.#busy.keys()) {
        const held = now - c.checkedOutAt
        if (!c.leakReported && held >= this.#opts.leakWarnMs) {
          c.leakReported = true
          this.#events.leak?.(c, held)
        }
      }
    }
    this.#topUp()
  }

  /** Keeps `min` connections open in the background. */
  #topUp(): void {
    if (this.#closed || !this.#opts.reuse || this.#gate !== undefined) return
    while (this.#total() < this.#opts.min) {
      this.#create((c) => {
        const w = this.#nextWaiter()
        if (w) w.resolve(this.#checkOut(c, w.origin))
        else this.#idle.unshift(c)
      }).catch((err: Error) => this.#events.error?.(err))
    }
  }
}
