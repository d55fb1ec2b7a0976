/**
 * One Listener per engine, created on the first `db.listen` and closed when the engine is disposed.
 *
 * @example
 * const unlisten = await listenerFor(engine).listen('jobs', handler)
 */
import type { Engine } from '../engine/engine.js'
import { Listener, type ListenerStats } from './listener.js'

const listeners = new WeakMap<Engine, Listener>()

/** The engine's listener, created (and registered to close on dispose) on first use. */
export function listenerFor(engine: Engine): Listener {
  let l = listeners.get(engine)
  if (!l) {
    const created = new Listener(engine)
    listeners.set(engine, (l = created))
    engine.addCloser(() => created.close())
  }
  return l
}

/** The listen connection's stats, when this engine has one. */
export function listenerStats(engine: Engine): ListenerStats | undefined {
  return listeners.get(engine)?.stats()
}
