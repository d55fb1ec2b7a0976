/**
 * close(graceMs): idle connections close at once, waiting callers are rejected with EngineDisposedError, busy ones
 * get `graceMs` to come back (closed as they do) and are destroyed after it; a closed pool refuses new work. Fake
 * timers; the connection is the fake object of support/fake-connection.ts (a fake of what the pool holds, not of a
 * database).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EngineDisposedError } from '../src/index.js'
import { Pool } from '../src/pool.js'
import { FakeConnector, flush, poolOptions, settled } from './support/fake-connection.js'

describe('pool close', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('closes idle connections at once and resolves without waiting when none is busy', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 2 }))
    const [a, b] = await Promise.all([pool.acquire(false), pool.acquire(false)])
    pool.release(a!)
    pool.release(b!)
    const closing = pool.close(60_000)
    expect(await settled(closing)).toBe(true)
    expect(conns.opened.map((c) => c.closed)).toEqual([1, 1])
    expect(pool.stats()).toMatchObject({ total: 0, idle: 0 })
  })

  it('rejects waiting callers with EngineDisposedError', async () => {
    const pool = new Pool(new FakeConnector().connect, poolOptions({ max: 1, acquireTimeoutMs: 10_000 }))
    const held = await pool.acquire(false)
    const waiting = pool.acquire(false).catch((e: unknown) => e)
    await flush()
    const closing = pool.close(1_000)
    const err = await waiting
    expect(err).toBeInstanceOf(EngineDisposedError)
    expect((err as EngineDisposedError).code).toBe('ENGINE_DISPOSED')
    expect((err as Error).message).toMatch(/disposed while this query waited/)
    expect(pool.stats().waiting).toBe(0)
    pool.release(held)
    await closing
  })

  it('waits up to graceMs for a busy connection: one released in time is closed and close resolves then', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1 }))
    const held = await pool.acquire(false)
    const closing = pool.close(5_000)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(await settled(closing)).toBe(false)
    pool.release(held)
    expect(await settled(closing)).toBe(true)
    expect(conns.opened[0]!.closed).toBe(1)
    expect(conns.opened[0]!.destroyed).toBe(0)
    expect(pool.stats().total).toBe(0)
  })

  it('destroys a busy connection not back after graceMs', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 2 }))
    const [held, idle] = await Promise.all([pool.acquire(false), pool.acquire(false)])
    pool.release(idle!)
    const closing = pool.close(3_000)
    await flush()
    expect(conns.opened[1]!.closed).toBe(1)
    await vi.advanceTimersByTimeAsync(2_999)
    expect(await settled(closing)).toBe(false)
    expect(conns.opened[0]!.destroyed).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(await settled(closing)).toBe(true)
    expect(conns.opened[0]!.destroyed).toBe(1)
    expect(pool.stats()).toMatchObject({ total: 0, busy: 0 })
    // A late release of the destroyed checkout changes nothing.
    pool.release(held!)
    expect(conns.opened[0]!.closed).toBe(0)
  })

  it('refuses acquire after close, and a second close is a no-op', async () => {
    const conns = new FakeConnector()
    const pool = new Pool(conns.connect, poolOptions({ max: 1 }))
    pool.release(await pool.acquire(false))
    await pool.close(0)
    await expect(pool.acquire(false)).rejects.toBeInstanceOf(EngineDisposedError)
    expect(pool.acquireIdle(false)).toBeUndefined()
    await pool.close(0)
    expect(conns.opened).toHaveLength(1)
    expect(conns.opened[0]!.closed).toBe(1)
  })

  it('a connection still being opened when the pool closes is destroyed, and its caller gets EngineDisposedError', async () => {
    let open!: () => void
    const conns = new FakeConnector()
    const slow = async () => {
      await new Promise<void>((r) => (open = r))
      return conns.connect()
    }
    const pool = new Pool(slow, poolOptions({ max: 1 }))
    const pending = pool.acquire(false).catch((e: unknown) => e)
    await flush()
    await pool.close(0)
    open()
    expect(await pending).toBeInstanceOf(EngineDisposedError)
    expect(conns.opened[0]!.destroyed).toBe(1)
    expect(pool.stats().total).toBe(0)
  })
})
