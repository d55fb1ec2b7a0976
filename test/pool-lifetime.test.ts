/**
 * maxLifetimeMs recycles old connections (when they come back, when they are picked, and while they sit idle, even
 * below `min`), and idleTimeoutMs closes idle ones above `min`. Fake timers; the connection is the fake object of
 * support/fake-connection.ts (a fake of what the pool holds, not of a database).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Pool } from '../src/pool.js'
import { FakeConnector, poolOptions } from './support/fake-connection.js'

describe('pool connection lifetime', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('closes a connection that outlived maxLifetimeMs when it is released, instead of keeping it', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1, maxLifetimeMs: 1_000 }))
    const c = await pool.acquire(false)
    vi.setSystemTime(Date.now() + 999)
    pool.release(c)
    expect(conns.opened[0]!.ended).toBe(false)
    expect(pool.stats().idle).toBe(1)
    const again = await pool.acquire(false)
    expect(again.raw).toBe(c.raw)
    vi.setSystemTime(Date.now() + 1)
    pool.release(again)
    expect(conns.opened[0]!.closed).toBe(1)
    expect(pool.stats()).toMatchObject({ total: 0, idle: 0 })
    const fresh = await pool.acquire(false)
    expect(fresh.raw).toBe(conns.opened[1])
    pool.release(fresh)
    await pool.close(0)
  })

  it('an expired connection released while others wait is replaced with a new one for the first waiter', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1, maxLifetimeMs: 1_000 }))
    const c = await pool.acquire(false)
    const waiting = pool.acquire(false)
    vi.setSystemTime(Date.now() + 1_000)
    pool.release(c)
    const next = await waiting
    expect(next.raw).toBe(conns.opened[1])
    expect(conns.opened[0]!.ended).toBe(true)
    pool.release(next)
    await pool.close(0)
  })

  it('skips and closes an idle connection that expired while it sat idle, when it would be picked', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 2, maxLifetimeMs: 1_000 }))
    const [a, b] = await Promise.all([pool.acquire(false), pool.acquire(false)])
    pool.release(a!)
    pool.release(b!)
    // Without a timer tick (the reaper has not run), the check on pick-up alone must catch it.
    vi.setSystemTime(Date.now() + 1_500)
    const c = await pool.acquire(false)
    expect(conns.opened).toHaveLength(3)
    expect(c.raw).toBe(conns.opened[2])
    expect(conns.opened[0]!.ended && conns.opened[1]!.ended).toBe(true)
    pool.release(c)
    await pool.close(0)
  })

  it('the reaper recycles an expired idle connection even at min, and the top-up opens its replacement', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 2, min: 1, maxLifetimeMs: 5_000 }))
    pool.release(await pool.acquire(false))
    expect(pool.stats()).toMatchObject({ total: 1, idle: 1 })
    await vi.advanceTimersByTimeAsync(4_000)
    expect(conns.opened).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(conns.opened[0]!.ended).toBe(true)
    expect(conns.opened).toHaveLength(2)
    expect(pool.stats()).toMatchObject({ total: 1, idle: 1 })
    expect((await pool.acquire(false)).raw).toBe(conns.opened[1])
    vi.useRealTimers()
    await pool.close(0)
  })

  it('idleTimeoutMs closes connections idle that long, down to min, and keeps busy ones', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 3, min: 1, idleTimeoutMs: 2_000 }))
    const [a, b, busy] = await Promise.all([pool.acquire(false), pool.acquire(false), pool.acquire(false)])
    pool.release(a!)
    pool.release(b!)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(pool.stats()).toMatchObject({ total: 3, idle: 2, busy: 1 })
    await vi.advanceTimersByTimeAsync(1_000)
    // Two were idle for 2 s with three open and min 1: both go, the busy one stays.
    expect(pool.stats()).toMatchObject({ total: 1, idle: 0, busy: 1 })
    expect(conns.opened.filter((c) => c.ended)).toHaveLength(2)
    expect(conns.opened[2]!.ended).toBe(false)
    pool.release(busy!)
    await vi.advanceTimersByTimeAsync(5_000)
    // The last one is at min: it stays however long it idles.
    expect(pool.stats()).toMatchObject({ total: 1, idle: 1 })
    expect(conns.opened[2]!.ended).toBe(false)
    await pool.close(0)
  })
})
