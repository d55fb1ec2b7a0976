/**
 * A checkout is released exactly once: a second release() of the same checkout changes nothing (no duplicate idle
 * entry, no second hand-over, no second close). The connection is the fake object of support/fake-connection.ts
 * (a fake of what the pool holds, not of a database).
 */
import { describe, expect, it } from 'vitest'
import { Pool } from '../src/pool.js'
import { FakeConnector, poolOptions, settled } from './support/fake-connection.js'

describe('pool release is once only', () => {
  it('a double release leaves one idle connection, so two callers never share it', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 2 }))
    const c = await pool.acquire(false)
    pool.release(c)
    pool.release(c)
    expect(pool.stats()).toMatchObject({ total: 1, idle: 1, busy: 0 })
    const [a, b] = await Promise.all([pool.acquire(false), pool.acquire(false)])
    expect(a!.raw).not.toBe(b!.raw)
    expect(conns.opened).toHaveLength(2)
    await pool.close(0)
  })

  it('a double release with callers waiting hands the connection to the first waiter only', async () => {
    const pool = new Pool(new FakeConnector().connect, poolOptions({ max: 1 }))
    const c = await pool.acquire(false)
    const first = pool.acquire(false)
    const second = pool.acquire(false)
    pool.release(c)
    expect(await settled(first)).toBe(true)
    expect(await settled(second)).toBe(false)
    expect(pool.stats()).toMatchObject({ total: 1, busy: 1, waiting: 1 })
    pool.release(await first)
    expect((await second).raw).toBe(c.raw)
    await pool.close(0)
  })

  // Each checkout is its own handle: a stale second release() of a handle whose connection already went to the next
  // holder must not take it from that holder (it did when the pool reused one Checkout object per connection).
  it('a second release of a handle already passed to a waiter does not take it from that waiter', async () => {
    const pool = new Pool(new FakeConnector().connect, poolOptions({ max: 1 }))
    const c = await pool.acquire(false)
    const first = pool.acquire(false)
    const second = pool.acquire(false)
    pool.release(c)
    pool.release(c)
    await first
    expect(await settled(second)).toBe(false)
  })

  it('a double destroy closes the connection once and frees one slot', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 2 }))
    const c = await pool.acquire(false)
    const other = await pool.acquire(false)
    pool.release(c, true)
    pool.release(c, true)
    await Promise.resolve()
    expect(conns.opened[0]!.closed + conns.opened[0]!.destroyed).toBe(1)
    expect(pool.stats()).toMatchObject({ total: 1, busy: 1, idle: 0 })
    pool.release(other)
    pool.release(other, true) // too late to destroy: it is idle, not checked out
    expect(conns.opened[1]!.ended).toBe(false)
    expect(pool.stats()).toMatchObject({ total: 1, idle: 1 })
    await pool.close(0)
  })

  it('release clears the checkout: its holder time and origin are gone, and stats count it idle', async () => {
    const pool = new Pool(new FakeConnector().connect, poolOptions({ max: 1, leakWarnMs: 60_000 }))
    const c = await pool.acquire(true)
    expect(c.checkedOutAt).toBeGreaterThan(0)
    expect(c.origin?.stack).toMatch(/pool-release-once\.test\.ts/)
    pool.release(c)
    expect(c.checkedOutAt).toBe(0)
    expect(c.origin).toBeUndefined()
    expect(pool.stats()).toMatchObject({ idle: 1, busy: 0, oldestCheckoutMs: 0 })
    await pool.close(0)
  })
})
