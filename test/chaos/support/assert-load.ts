/**
 * What must hold after every chaos load, as assertions.
 *
 * @example
 * assertLoadHeld(await runLedgerLoad(options), watcher.seen)
 */
import { expect } from 'vitest'
import type { LoadSummary } from './ledger-load.js'

/** Fails the test when any invariant of the load was broken. */
export function assertLoadHeld(s: LoadSummary, processErrors: readonly string[]): void {
  expect(processErrors, 'the process saw an unhandled error or rejection').toEqual([])
  expect(s.untyped, 'every rejection is the scope\'s own error or a DbscopeError').toEqual([])
  expect(s.ledgerSum, 'money is neither created nor destroyed: no partial transaction is visible').toBe(s.ledgerExpected)
  expect(s.lostCommits, 'every scope that resolved is committed').toEqual([])
  expect(s.phantomRows, 'no row of a scope that rolled back').toEqual([])
  expect(s.endStats, 'the pool is idle afterwards').toEqual({ busy: 0, waiting: 0 })
  expect(s.leftBusy, 'no server session is busy or idle in transaction afterwards').toBe(0)
  expect(s.peakSessions, `the server never saw more sessions than the budget (at the peak: ${s.peakDetail})`).toBeLessThanOrEqual(s.budget)
  expect(s.peakPoolTotal).toBeLessThanOrEqual(s.poolMax)
  expect(s.committed).toBeGreaterThan(0)
  expect(s.committed + s.rolledBack).toBe(s.scopes)
}
