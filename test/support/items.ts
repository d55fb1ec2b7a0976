/**
 * The one-table schema most scope tests share: `items (id, label)`.
 *
 * @example
 * await createItems(t)
 * const db = t.db<ItemsDB>()
 */
import type { Target } from './targets.js'

export interface ItemsDB {
  items: { id: number; label: string }
}

/** Creates `items` on the target (once per file and target; later calls are no-ops). */
export function createItems(t: Target): Promise<void> {
  return t.exec('CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, label varchar(50) NOT NULL)')
}
