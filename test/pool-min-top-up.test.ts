/**
 * `min`: the pool keeps that many connections open in the background (topped up on the reaper's tick), a failed
 * top-up is reported through `events.error` and retried on the next tick, and NullPool mode (`reuse: false`) keeps
 * none. Fake timers; the connection is the fake object of support/fake-connection.ts (a fake of what the pool
 * holds, not of a database).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Pool } from '../src/pool.js'
import { FakeConnector, poolOptions } from './support/fake-connection.js'

/** The reaper's period with leak watch and idle timeout off. */
const TICK = 1_000

describe('pool min top-up', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('opens connections up to min on the first tick after the pool is first used, and no more', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 5, min: 3 }))
    await vi.advanceTimersByTimeAsync(5 * TICK)
    expect(conns.opened).toHaveLength(0) // an unused pool opens nothing
    pool.release(await pool.acquire(false))
    expect(pool.stats().total).toBe(1)
    await vi.advanceTimersByTimeAsync(TICK)
    expect(pool.stats()).toMatchObject({ total: 3, idle: 3, busy: 0 })
    await vi.advanceTimersByTimeAsync(5 * TICK)
    expect(conns.opened).toHaveLength(3)
    await pool.close(0)
  })

  it('replaces a connection lost below min on the next tick', async () => {
    const conns = new FakeConnector()
    const errors: Error[] = []
    const pool = new Pool(conns.connect, poolOptions({ max: 4, min: 2 }), { error: (e) => errors.push(e) })
    pool.release(await pool.acquire(false))
    await vi.advanceTimersByTimeAsync(TICK)
    expect(pool.stats().total).toBe(2)
    conns.opened[0]!.breakNow(new Error('gone'))
    expect(errors.map((e) => e.message)).toEqual(['gone'])
    expect(pool.stats().total).toBe(1)
    await vi.advanceTimersByTimeAsync(TICK)
    expect(pool.stats()).toMatchObject({ total: 2, idle: 2 })
    expect(conns.opened).toHaveLength(3)
    await pool.close(0)
  })

  it('reports a failed top-up through events.error, throws nothing, and tries again on the next tick', async () => {
    const conns = new FakeConnector()
    const errors: Error[] = []
    const pool = new Pool(conns.connect, poolOptions({ max: 2, min: 2 }), { error: (e) => errors.push(e) })
    pool.release(await pool.acquire(false))
    conns.failNext(new Error('ECONNREFUSED'))
    await vi.advanceTimersByTimeAsync(TICK)
    expect(errors.map((e) => e.message)).toEqual(['ECONNREFUSED'])
    expect(pool.stats().total).toBe(1)
    await vi.advanceTimersByTimeAsync(TICK)
    expect(pool.stats().total).toBe(2)
    expect(errors).toHaveLength(1)
    await pool.close(0)
  })

  it('keeps no connection open with reuse false (NullPool), whatever min says', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 2, min: 2, reuse: false }))
    const c = await pool.acquire(false)
    pool.release(c)
    expect(conns.opened[0]!.closed).toBe(1)
    await vi.advanceTimersByTimeAsync(3 * TICK)
    expect(pool.stats().total).toBe(0)
    expect(conns.opened).toHaveLength(1)
    await pool.close(0)
  })
})
