/**
 * Shutdown: dispose every engine in the process, now or on a signal, letting in-flight work finish within a grace.
 *
 * @example
 * drainOnSignals({ signals: ['SIGTERM'], graceMs: 10_000 })
 */
import { registry } from './registry.js'

/**
 * Disposes every engine in this process: waiting queries fail at once, busy connections get `graceMs` to come back.
 *
 * @example
 * afterAll(() => disposeAll())
 */
export async function disposeAll(graceMs?: number): Promise<void> {
  await Promise.all([...registry().values()].map((e) => e.dispose(graceMs)))
}

const SIGNAL_HOOKS = Symbol.for('dbscope.signal-hooks.v1')
const hooks = globalThis as unknown as { [SIGNAL_HOOKS]?: Map<NodeJS.Signals, () => void> }

/** How a graceful shutdown drains. */
export interface ShutdownOptions {
  /** Signals that start the drain (default `['SIGTERM', 'SIGINT']`). */
  readonly signals?: readonly NodeJS.Signals[]
  /** How long busy connections may take to come back before they are dropped (default 10 000 ms). */
  readonly graceMs?: number
}

/**
 * Graceful shutdown: on one of `signals`, every engine stops handing out connections, in-flight work gets `graceMs`
 * to finish, the pools close, and then the signal takes its default course (the process exits) unless another
 * listener for it is installed. Calling it again (a hot reload) does not add a second listener. Returns an uninstaller.
 *
 * @example
 * drainOnSignals({ signals: ['SIGTERM'], graceMs: 10_000 })
 * // or: defineDb({ url, shutdown: { signals: ['SIGTERM'] } })
 */
export function drainOnSignals(options: ShutdownOptions = {}): () => void {
  const installed = (hooks[SIGNAL_HOOKS] ??= new Map())
  const signals = options.signals ?? ['SIGTERM', 'SIGINT']
  const graceMs = options.graceMs ?? 10_000
  for (const signal of signals) {
    if (installed.has(signal)) continue
    const onSignal = () => {
      uninstall()
      void disposeAll(graceMs).finally(() => {
        // Nobody else handles it: re-raise so the process ends the way the signal means.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
      })
    }
    process.on(signal, onSignal)
    installed.set(signal, () => process.removeListener(signal, onSignal))
  }
  const uninstall = () => {
    for (const signal of signals) {
      installed.get(signal)?.()
      installed.delete(signal)
    }
  }
  return uninstall
}
