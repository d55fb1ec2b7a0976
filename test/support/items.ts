/**
 * The one-table schema most scope tests share: `items (id, label)`, new and empty for every test.
 *
 * @example
 * describeTargets('…', (t) => {
 *   freshItemsPerTest(t)
 *   it('…', async () => { const db = t.db<ItemsDB>(); … })
 * })
 */
import { beforeEach } from 'vitest'
import type { Target } from './targets.js'

export interface ItemsDB {
  items: { id: number; label: string }
}

/** (Re)creates `items` on the target, empty: whatever an earlier test left in it is gone. */
export function createItems(t: Target): Promise<void> {
  return t.exec('DROP TABLE IF EXISTS items; CREATE TABLE items (id int PRIMARY KEY, label varchar(50) NOT NULL)')
}

/** Registers a beforeEach that gives every test of the enclosing describe its own empty `items`, in any order. */
export function freshItemsPerTest(t: Target): void {
  beforeEach(() => createItems(t))
}
