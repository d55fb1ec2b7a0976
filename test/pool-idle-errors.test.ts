/**
 * A connection that breaks while idle (its socket errors, the server ends the session) leaves the pool at once and is
 * reported through `events.error`, never thrown; one that breaks while checked out is the holder's business and is
 * dropped when it comes back. The connection is the fake object of support/fake-connection.ts (a fake of what the
 * pool holds, not of a database); real killed sessions are covered in engine-killed-backend.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { Pool } from '../src/pool.js'
import { FakeConnector, poolOptions } from './support/fake-connection.js'

describe('pool: errors while idle', () => {
  it('removes an idle connection that breaks, destroys it and reports the error once', async () => {
    const conns = new FakeConnector()
    const errors: Error[] = []
    const pool = new Pool(conns.connect, poolOptions({ max: 2 }), { error: (e) => errors.push(e) })
    const [a, b] = await Promise.all([pool.acquire(false), pool.acquire(false)])
    pool.release(a!)
    pool.release(b!)
    const lost = new Error('terminating connection due to administrator command')
    conns.opened[0]!.breakNow(lost)
    expect(errors).toEqual([lost])
    expect(conns.opened[0]!.destroyed).toBe(1)
    expect(pool.stats()).toMatchObject({ total: 1, idle: 1 })
    // The survivor is handed out; the broken one never is.
    const c = await pool.acquire(false)
    expect(c.raw).toBe(conns.opened[1])
    pool.release(c)
    await pool.close(0)
  })

  it('a break while checked out is not reported as a background error; the connection is dropped on release', async () => {
    const conns = new FakeConnector()
    const errors: Error[] = []
    const pool = new Pool(conns.connect, poolOptions({ max: 1 }), { error: (e) => errors.push(e) })
    const c = await pool.acquire(false)
    conns.opened[0]!.breakNow(new Error('socket hang up'))
    expect(errors).toEqual([])
    expect(pool.stats()).toMatchObject({ total: 1, busy: 1 })
    pool.release(c)
    expect(conns.opened[0]!.ended).toBe(true)
    expect(pool.stats()).toMatchObject({ total: 0, idle: 0, busy: 0 })
    expect((await pool.acquire(false)).raw).toBe(conns.opened[1])
    await pool.close(0)
  })

  it('an idle connection flagged broken (its listener not yet run) is skipped when picked, and closed', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1 }))
    pool.release(await pool.acquire(false))
    conns.opened[0]!.broken = true
    const c = await pool.acquire(false)
    expect(c.raw).toBe(conns.opened[1])
    expect(conns.opened[0]!.closed).toBe(1)
    pool.release(c)
    await pool.close(0)
  })
})
