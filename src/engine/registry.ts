/**
 * The process-wide registry of engines, on `globalThis` so that a module evaluated again (hot reload, a test
 * re-import, a second copy of the package) finds the same pool instead of leaking a new one.
 *
 * @example
 * const engine = obtainEngine({ url }, hooks) // the same engine for the same URL and options, anywhere in the process
 */
import type { DbConfig, ResolvedConfig } from '../config.js'
import { resolveConfig } from '../config.js'
import { comparableOptions, engineKey } from './engine-key.js'
import { ConfigError } from '../errors.js'
import { isOwnedHere } from '../guard.js'
import { Engine, type EngineHooks } from './engine.js'

const REGISTRY = Symbol.for('dbscope.engines.v1')
const PGLITE_IDS = Symbol.for('dbscope.pglite-ids.v1')
const COUNTERS = Symbol.for('dbscope.counters.v1')
type Registry = Map<string, Engine>
const g = globalThis as unknown as {
  [REGISTRY]?: Registry
  [PGLITE_IDS]?: WeakMap<object, string>
  /** Engine generations and PGlite ids: a re-evaluated module never hands out a number twice. */
  [COUNTERS]?: { generation: number; pglite: number }
}
const counters = (g[COUNTERS] ??= { generation: 0, pglite: 0 })

/** The process-wide registry (survives module re-evaluation). */
export function registry(): Registry {
  return (g[REGISTRY] ??= new Map())
}

function pgliteId(p: object): string {
  const ids = (g[PGLITE_IDS] ??= new WeakMap())
  let id = ids.get(p)
  if (!id) ids.set(p, (id = `${process.pid}.${++counters.pglite}`))
  return id
}

function forget(engine: Engine): void {
  if (registry().get(engine.key) === engine) registry().delete(engine.key)
}

function create(key: string, config: ResolvedConfig, hooks: EngineHooks): Engine {
  const engine = new Engine(key, config, ++counters.generation, { ...hooks, onDispose: forget })
  registry().set(key, engine)
  return engine
}

/** Returns the engine for this config: the registered one when it matches, a new one otherwise. */
export function obtainEngine(config: DbConfig, hooks: EngineHooks): Engine {
  const resolved = resolveConfig(config)
  const key = engineKey(resolved, pgliteId)
  const existing = registry().get(key)
  if (existing && !existing.disposed) {
    const a = JSON.stringify(comparableOptions(existing.config))
    const b = JSON.stringify(comparableOptions(resolved))
    if (a !== b || !sameSecrets(existing.config, resolved)) {
      throw new ConfigError(
        `defineDb was called twice for ${existing.describe()} with different options (${diffKeys(existing.config, resolved)}). ` +
          'One URL has one pool per process: define the db once in a shared module, or use the same options everywhere.',
      )
    }
    return existing
  }
  return create(key, resolved, hooks)
}

/** Builds a fresh engine for the same config (guard.owner 'recreate'). */
export function recreateEngine(old: Engine): Engine {
  const current = registry().get(old.key)
  if (current && !current.disposed && isOwnedHere(current.owner)) return current
  return create(old.key, old.config, old.hooks)
}

/** Whether two configs carry the same password (the registry key leaves it out); `secrets[0]` is the password. */
function sameSecrets(a: ResolvedConfig, b: ResolvedConfig): boolean {
  return a.secrets[0] === b.secrets[0]
}

function diffKeys(a: ResolvedConfig, b: ResolvedConfig): string {
  const ca = comparableOptions(a) as Record<string, unknown>
  const cb = comparableOptions(b) as Record<string, unknown>
  const out: string[] = []
  for (const k of Object.keys(ca)) {
    const va = ca[k]
    const vb = cb[k]
    if (va && vb && typeof va === 'object' && typeof vb === 'object') {
      for (const sub of Object.keys(va)) {
        const x = (va as Record<string, unknown>)[sub]
        const y = (vb as Record<string, unknown>)[sub]
        if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${k}.${sub}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`)
      }
    } else if (JSON.stringify(va) !== JSON.stringify(vb)) out.push(`${k}: ${JSON.stringify(va)} vs ${JSON.stringify(vb)}`)
  }
  if (!sameSecrets(a, b)) out.push('the password differs (dispose() the old db first when credentials rotate)')
  return out.join('; ')
}
