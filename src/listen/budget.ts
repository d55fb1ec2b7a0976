/**
 * The listen connection counts in the guard's connection budget: it is one more connection of this process beside
 * the pool, so the budget is checked for `pool.max + 1` when it opens ('throw' refuses it, 'clamp' shrinks the pool
 * by one, 'warn' warns).
 *
 * @example
 * await countListenerInBudget(engine, rawListenConnection)
 */
import type { RawConnection } from '../dialects/dialect.js'
import type { Engine } from '../engine/engine.js'
import { decideBudget } from '../guard.js'

export async function countListenerInBudget(engine: Engine, raw: RawConnection): Promise<void> {
  const c = engine.config
  if (c.guard.budget === 'off' || c.pooler !== undefined) return
  const budget = await engine.driver.readBudget(raw, c.applicationName)
  const max = engine.pool.options.max
  // The listen connection itself carries the application's name, so it is not among the "others".
  const decision = decideBudget({ ...c, pool: { ...c.pool, max: max + 1 } }, budget)
  if (decision.max < max + 1) engine.pool.resize(Math.max(1, decision.max - 1))
  if (decision.warning) engine.warn(`${decision.warning} (db.listen's connection counts as one of them.)`)
}
