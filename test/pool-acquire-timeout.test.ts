/**
 * acquireTimeoutMs: a caller that waits longer for a connection gets a PoolTimeoutError, leaves the queue, and is
 * never handed a connection afterwards; 0 waits for ever. Fake timers; the connection is the fake object of
 * support/fake-connection.ts (a fake of what the pool holds, not of a database).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PoolTimeoutError } from '../src/index.js'
import { Pool } from '../src/pool.js'
import { FakeConnector, flush, poolOptions, settled } from './support/fake-connection.js'

/** close(0) waits for busy connections on a timer: run it on real timers. */
async function closeNow(pool: Pool): Promise<void> {
  vi.useRealTimers()
  await pool.close(0)
}

describe('pool acquireTimeoutMs', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('rejects a waiter with PoolTimeoutError at the timeout, not before, and says what to change', async () => {
    const pool = new Pool(new FakeConnector().connect, poolOptions({ max: 1, acquireTimeoutMs: 500 }))
    await pool.acquire(false)
    const waiting = pool.acquire(false)
    const outcome = waiting.then(
      () => 'resolved',
      (e: unknown) => e,
    )
    await vi.advanceTimersByTimeAsync(499)
    expect(await settled(waiting)).toBe(false)
    expect(pool.stats().waiting).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    const err = await outcome
    expect(err).toBeInstanceOf(PoolTimeoutError)
    expect((err as PoolTimeoutError).code).toBe('POOL_TIMEOUT')
    expect((err as PoolTimeoutError).retryable).toBe(true)
    expect((err as Error).message).toMatch(/within acquireTimeoutMs \(500 ms\)/)
    expect((err as Error).message).toMatch(/max 1, busy 1, idle 0, waiting 1/)
    expect((err as Error).message).toMatch(/Raise pool\.max/)
    expect(pool.stats().waiting).toBe(0)
    await closeNow(pool)
  })

  it('a timed-out waiter is skipped: the next release goes to the waiter behind it, or to the idle list', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1, acquireTimeoutMs: 100 }))
    const held = await pool.acquire(false)
    const early = pool.acquire(false).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(60)
    const late = pool.acquire(false)
    await vi.advanceTimersByTimeAsync(40)
    expect(await early).toBeInstanceOf(PoolTimeoutError)
    expect(pool.stats().waiting).toBe(1)
    pool.release(held)
    expect((await late).raw).toBe(held.raw)
    pool.release(await late)
    expect(pool.stats()).toMatchObject({ total: 1, idle: 1, busy: 0, waiting: 0 })
    expect(conns.opened).toHaveLength(1)
    await closeNow(pool)
  })

  it('a waiter served before its timeout is not rejected later', async () => {
    const pool = new Pool(new FakeConnector().connect, poolOptions({ max: 1, acquireTimeoutMs: 100 }))
    const held = await pool.acquire(false)
    let rejected: unknown
    const waiting = pool.acquire(false).catch((e: unknown) => (rejected = e))
    await vi.advanceTimersByTimeAsync(50)
    pool.release(held)
    const c = await waiting
    await vi.advanceTimersByTimeAsync(1_000)
    expect(rejected).toBeUndefined()
    expect(c).toMatchObject({ raw: held.raw })
    expect(pool.stats()).toMatchObject({ busy: 1, waiting: 0 })
    await closeNow(pool)
  })

  it('acquireTimeoutMs 0 waits for ever', async () => {
    const pool = new Pool(new FakeConnector().connect, poolOptions({ max: 1, acquireTimeoutMs: 0 }))
    const held = await pool.acquire(false)
    const waiting = pool.acquire(false)
    await vi.advanceTimersByTimeAsync(60 * 60 * 1000)
    expect(await settled(waiting)).toBe(false)
    expect(pool.stats().waiting).toBe(1)
    pool.release(held)
    await flush()
    expect((await waiting).raw).toBe(held.raw)
    await closeNow(pool)
  })
})
