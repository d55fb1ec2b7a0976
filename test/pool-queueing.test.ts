/**
 * The pool's queue: callers that find every connection busy wait in arrival order (FIFO), and a released connection
 * goes straight to the longest waiter. Uses the fake connection object of support/fake-connection.ts (a fake of
 * the object the pool holds, not of a database).
 */
import { describe, expect, it } from 'vitest'
import type { Checkout } from '../src/checkout.js'
import { Pool } from '../src/pool.js'
import { FakeConnector, flush, poolOptions, settled } from './support/fake-connection.js'

describe('pool queueing', () => {
  it('hands a released connection to the waiters in the order they arrived', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1 }))
    const first = await pool.acquire(false)
    const order: string[] = []
    const got: Record<string, Checkout> = {}
    const waiters = ['a', 'b', 'c'].map((name) =>
      pool.acquire(false).then((c) => {
        order.push(name)
        got[name] = c
        return c
      }),
    )
    await flush()
    expect(pool.stats()).toMatchObject({ total: 1, busy: 1, waiting: 3 })
    expect(order).toEqual([])

    pool.release(first)
    await flush()
    expect(order).toEqual(['a'])
    pool.release(got.a!)
    await flush()
    expect(order).toEqual(['a', 'b'])
    pool.release(got.b!)
    await Promise.all(waiters)
    expect(order).toEqual(['a', 'b', 'c'])
    // One connection served everyone: nobody opened a second one while others waited.
    expect(conns.opened).toHaveLength(1)
    expect(got.c!.raw).toBe(first.raw)
    expect(pool.stats()).toMatchObject({ total: 1, busy: 1, waiting: 0 })
    await pool.close(0)
  })

  it('a waiter gets a connection the moment one is released, not an idle slot later', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1 }))
    const held = await pool.acquire(false)
    const waiting = pool.acquire(false)
    expect(await settled(waiting)).toBe(false)
    pool.release(held)
    expect(await settled(waiting)).toBe(true)
    expect((await waiting).raw).toBe(held.raw)
    expect(pool.stats()).toMatchObject({ idle: 0, busy: 1 })
    await pool.close(0)
  })

  it('when a destroyed connection frees a slot, the first waiter gets a new connection and the others keep waiting', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1 }))
    const held = await pool.acquire(false)
    const order: string[] = []
    const a = pool.acquire(false).then((c) => (order.push('a'), c))
    const b = pool.acquire(false).then((c) => (order.push('b'), c))
    await flush()
    pool.release(held, true)
    const gotA = await a
    expect(order).toEqual(['a'])
    expect(conns.opened).toHaveLength(2)
    expect(gotA.raw).toBe(conns.opened[1])
    expect(conns.opened[0]!.ended).toBe(true)
    expect(await settled(b)).toBe(false)
    pool.release(gotA)
    expect((await b).raw).toBe(gotA.raw)
    expect(order).toEqual(['a', 'b'])
    await pool.close(0)
  })

  it('opens new connections up to max before anyone waits, and reuses the most recently released idle one', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 3 }))
    const [x, y, z] = await Promise.all([pool.acquire(false), pool.acquire(false), pool.acquire(false)])
    expect(conns.opened).toHaveLength(3)
    expect(pool.stats()).toMatchObject({ total: 3, busy: 3, waiting: 0 })
    const fourth = pool.acquire(false)
    expect(await settled(fourth)).toBe(false)
    expect(pool.stats().waiting).toBe(1)
    pool.release(z!)
    expect((await fourth).raw).toBe(z!.raw)
    pool.release(x!)
    pool.release(y!)
    // Last in, first out among idle connections: y went back last.
    expect((await pool.acquire(false)).raw).toBe(y!.raw)
    expect(conns.opened).toHaveLength(3)
    await pool.close(0)
  })
})
