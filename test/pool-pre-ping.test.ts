/**
 * prePing: an idle connection is pinged before it is handed out, and one whose ping fails is closed and replaced,
 * so the caller never sees it. The connection is the fake object of support/fake-connection.ts (a fake of what the
 * pool holds, not of a database): a real dead connection is covered in engine-pre-ping.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { Pool } from '../src/pool.js'
import { FakeConnector, poolOptions } from './support/fake-connection.js'

describe('pool prePing', () => {
  it('pings an idle connection before handing it out, and not a brand-new one', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1, prePing: true }))
    const c = await pool.acquire(false)
    expect(conns.opened[0]!.queries).toEqual([])
    pool.release(c)
    const again = await pool.acquire(false)
    expect(again.raw).toBe(c.raw)
    expect(conns.opened[0]!.queries).toEqual(['SELECT 1'])
    pool.release(again)
    await pool.close(0)
  })

  it('replaces an idle connection whose ping fails with a new one, and closes the dead one', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1, prePing: true }))
    const c = await pool.acquire(false)
    pool.release(c)
    conns.opened[0]!.failQueriesWith = new Error('server closed the connection unexpectedly')
    const next = await pool.acquire(false)
    expect(next.raw).toBe(conns.opened[1])
    expect(conns.opened[0]!.closed).toBe(1)
    expect(pool.stats()).toMatchObject({ total: 1, busy: 1, idle: 0 })
    pool.release(next)
    await pool.close(0)
  })

  it('goes through every dead idle connection, and uses the first live one it finds', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 3, prePing: true }))
    const all = await Promise.all([pool.acquire(false), pool.acquire(false), pool.acquire(false)])
    for (const c of all) pool.release(c)
    // The idle list is last-in first-out: opened[2] is tried first, then opened[1], then opened[0].
    conns.opened[2]!.failQueriesWith = new Error('dead')
    conns.opened[1]!.failQueriesWith = new Error('dead')
    const c = await pool.acquire(false)
    expect(c.raw).toBe(conns.opened[0])
    expect(conns.opened).toHaveLength(3)
    expect(conns.opened.map((f) => f.ended)).toEqual([false, true, true])
    expect(pool.stats()).toMatchObject({ total: 1, busy: 1, idle: 0 })
    pool.release(c)
    await pool.close(0)
  })

  it('counts a connection being pinged as taken, so a parallel acquire waits instead of exceeding max', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1, prePing: true }))
    pool.release(await pool.acquire(false))
    const pinged = pool.acquire(false)
    const parallel = pool.acquire(false)
    const first = await pinged
    expect(first.raw).toBe(conns.opened[0])
    expect(conns.opened).toHaveLength(1)
    expect(pool.stats()).toMatchObject({ total: 1, busy: 1, waiting: 1 })
    pool.release(first)
    expect((await parallel).raw).toBe(conns.opened[0])
    await pool.close(0)
  })

  it('without prePing, hands out an idle connection as it is, with no statement sent', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1, prePing: false }))
    pool.release(await pool.acquire(false))
    conns.opened[0]!.failQueriesWith = new Error('dead, but nobody asks')
    expect((await pool.acquire(false)).raw).toBe(conns.opened[0])
    expect(conns.opened[0]!.queries).toEqual([])
    await pool.close(0)
  })
})
