/**
 * The pool's side of "reset on return": a checkout marked as having changed its session is reset before anyone gets
 * the connection again, out of the releasing caller's way; a reset that fails or hangs closes the connection, and
 * the next caller gets a new one — never the unreset one. The connection is the fake object of
 * support/fake-connection.ts (a fake of what the pool holds, not of a database): a reset that fails or hangs on
 * cue is a fault a real server does not produce on demand. Real resets: reset-on-return-{postgres,mysql}.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Pool } from '../src/pool.js'
import { RESET_TIMEOUT_MS } from '../src/pool-reset.js'
import { FakeConnector, flush, poolOptions, settled } from './support/fake-connection.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('pool reset on return', () => {
  it('a clean checkout is not reset; a marked one is reset before the next caller gets it', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1 }))
    const a = await pool.acquire(false)
    pool.release(a)
    const b = await pool.acquire(false)
    expect(conns.fake(b.raw).queries).toEqual([])
    let open!: () => void
    conns.fake(b.raw).resetGate = new Promise<void>((r) => (open = r))
    b.session = 'reset'
    pool.release(b)
    const next = pool.acquire(false)
    expect(await settled(next)).toBe(false) // waits for the reset, not handed the connection mid-reset
    expect(pool.stats()).toMatchObject({ total: 1, idle: 0, busy: 0, waiting: 1 })
    open()
    const c = await next
    expect(c.raw).toBe(b.raw)
    expect(conns.fake(c.raw).queries).toEqual(['(reset)'])
    expect(c.session).toBe('clean')
    await pool.close(0)
  })

  it('a reset that fails closes the connection; the next caller gets a new one', async () => {
    const conns = new FakeConnector()
    const errors: Error[] = []
    const pool = new Pool(conns.connect, poolOptions({ max: 1 }), { error: (e) => errors.push(e) })
    const a = await pool.acquire(false)
    conns.fake(a.raw).failQueriesWith = new Error('connection reset by peer')
    a.session = 'reset'
    pool.release(a)
    const b = await pool.acquire(false)
    expect(b.raw).not.toBe(a.raw)
    expect(conns.fake(a.raw).destroyed).toBeGreaterThan(0)
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/could not be reset \(connection reset by peer\)/)])
    await pool.close(0)
  })

  it('a reset that hangs is given up after its bound: the connection is closed, never handed out', async () => {
    vi.useFakeTimers()
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1 }), { error: () => undefined })
    const a = await pool.acquire(false)
    conns.fake(a.raw).resetGate = new Promise<void>(() => undefined)
    a.session = 'reset'
    pool.release(a)
    const next = pool.acquire(false)
    await vi.advanceTimersByTimeAsync(RESET_TIMEOUT_MS - 1)
    expect(await settled(next)).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    const b = await next
    expect(b.raw).not.toBe(a.raw)
    expect(conns.fake(a.raw).destroyed).toBeGreaterThan(0)
    pool.release(b)
    await pool.close(0)
  })

  it("a checkout marked 'discard' is closed, not reset", async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1 }))
    const a = await pool.acquire(false)
    a.session = 'discard'
    pool.release(a)
    await flush()
    const b = await pool.acquire(false)
    expect(b.raw).not.toBe(a.raw)
    expect(conns.fake(a.raw).queries).toEqual([])
    expect(conns.fake(a.raw).ended).toBe(true)
    await pool.close(0)
  })

  it('close() during a reset closes that connection too', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1 }))
    const a = await pool.acquire(false)
    conns.fake(a.raw).resetGate = new Promise<void>(() => undefined)
    a.session = 'reset'
    pool.release(a)
    await pool.close(0)
    expect(conns.fake(a.raw).destroyed).toBeGreaterThan(0)
    expect(pool.stats().total).toBe(0)
  })
})
