/**
 * The foreign-query guard: a statement through `db.kysely` while a scope of the same db is active in this async
 * context runs on another connection, outside the transaction. Warned about (with where it was sent) or refused,
 * per `guard.foreignQuery`.
 *
 * @example
 * obtainEngine(config, { beforeRootQuery: foreignQueryGuard })
 */
import type { Engine } from '../engine/engine.js'
import { ForeignConnectionError } from '../errors.js'
import { callerFrames } from '../guard.js'
import { activeFrame } from './context.js'

/** Frames shown in the warning: where the application sent the statement. */
const SHOWN_FRAMES = 8

/** The engine hook: warns or throws when `db.kysely` is used inside an active scope of the same engine. */
export function foreignQueryGuard(engine: Engine): void {
  const mode = engine.config.guard.foreignQuery
  if (mode === 'off' || !activeFrame(engine)) return
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 50
  const err = new ForeignConnectionError()
  Error.stackTraceLimit = limit
  if (mode === 'throw') throw err
  engine.warn(`${err.message}\n${callerFrames(err.stack, SHOWN_FRAMES)}`)
}
