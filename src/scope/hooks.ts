/**
 * afterCommit / afterRollback hooks: run in order after the connection is released; a throwing hook is reported
 * (to `onHookError`, else as a warning) and never stops the others or changes the transaction's outcome.
 *
 * @example
 * await runHooks(engine, [() => cache.delete('user:1')])
 */
import type { Engine } from '../engine/engine.js'

/** A hook registered with `tx.afterCommit` or `tx.afterRollback`. */
export type Hook = () => unknown

/** Runs hooks in order; a throwing hook is reported and never stops the others. */
export async function runHooks(engine: Engine, hooks: readonly Hook[]): Promise<void> {
  for (const h of hooks) {
    try {
      await h()
    } catch (err) {
      reportHookError(engine, err)
    }
  }
}

function reportHookError(engine: Engine, err: unknown): void {
  const handler = engine.config.onHookError
  if (handler) {
    try {
      handler(err)
    } catch {
      /* a failing error handler must not break the engine */
    }
    return
  }
  engine.warn(
    `An afterCommit/afterRollback hook threw; the transaction's outcome stands. Set onHookError to handle it. ` +
      `${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
  )
}
