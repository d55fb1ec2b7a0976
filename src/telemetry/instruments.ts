/**
 * The metric instruments of the OpenTelemetry database semantic conventions, created once per meter provider, and
 * one engine's pool observed through them: connection counts by state, the maximum, and the requests waiting are
 * read from the pool when the SDK collects (nothing is counted per statement); operation duration, wait time and
 * timeouts are recorded as they happen.
 *
 * @example
 * const m = instrumentsOf(api)                       // undefined until an SDK registers a meter provider
 * const stop = m?.observePool(engine, 'postgres://app@db:5432/shop')
 */
import type { PoolStats } from '../pool.js'
import { metricsRegistered, type Attributes, type ObservableResult, type OtelApi, type OtelMeter } from './otel-api.js'

/** What the pool metrics read from an engine. */
export interface ObservedPool {
  stats(): PoolStats
  /** The pool's current maximum (after any clamp by the budget guard). */
  readonly poolMax: number
}

/** Seconds: the bucket boundaries the conventions advise for durations. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]

export class Instruments {
  readonly operationDuration: ReturnType<OtelMeter['createHistogram']>
  readonly waitTime: ReturnType<OtelMeter['createHistogram']>
  readonly timeouts: ReturnType<OtelMeter['createCounter']>
  readonly #count: ReturnType<OtelMeter['createObservableUpDownCounter']>
  readonly #max: ReturnType<OtelMeter['createObservableUpDownCounter']>
  readonly #pending: ReturnType<OtelMeter['createObservableUpDownCounter']>

  constructor(meter: OtelMeter) {
    const seconds = { unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } }
    this.operationDuration = meter.createHistogram('db.client.operation.duration', {
      description: 'Duration of database client operations.',
      ...seconds,
    })
    this.waitTime = meter.createHistogram('db.client.connection.wait_time', {
      description: 'The time it took to obtain an open connection from the pool.',
      ...seconds,
    })
    this.timeouts = meter.createCounter('db.client.connection.timeouts', {
      description: 'The number of connection timeouts that have occurred trying to obtain a connection from the pool.',
      unit: '{timeout}',
    })
    this.#count = meter.createObservableUpDownCounter('db.client.connection.count', {
      description: 'The number of connections that are currently in state described by the state attribute.',
      unit: '{connection}',
    })
    this.#max = meter.createObservableUpDownCounter('db.client.connection.max', {
      description: 'The maximum number of open connections allowed.',
      unit: '{connection}',
    })
    this.#pending = meter.createObservableUpDownCounter('db.client.connection.pending_requests', {
      description: 'The number of current pending requests for an open connection.',
      unit: '{request}',
    })
  }

  /** Reports `pool`'s connections under `name` whenever the SDK collects; returns the function that stops it. */
  observePool(pool: ObservedPool, name: string): () => void {
    const attrs: Attributes = { 'db.client.connection.pool.name': name }
    const idle: Attributes = { ...attrs, 'db.client.connection.state': 'idle' }
    const used: Attributes = { ...attrs, 'db.client.connection.state': 'used' }
    const count = (r: ObservableResult): void => {
      const s = pool.stats()
      r.observe(s.idle, idle)
      r.observe(s.busy, used)
    }
    const max = (r: ObservableResult): void => r.observe(pool.poolMax, attrs)
    const pending = (r: ObservableResult): void => r.observe(pool.stats().waiting, attrs)
    this.#count.addCallback(count)
    this.#max.addCallback(max)
    this.#pending.addCallback(pending)
    return () => {
      this.#count.removeCallback(count)
      this.#max.removeCallback(max)
      this.#pending.removeCallback(pending)
    }
  }
}

const BY_PROVIDER = new WeakMap<object, Instruments>()

/** The instruments of the registered meter provider; undefined while none is registered (the API's no-op one). */
export function instrumentsOf(api: OtelApi): Instruments | undefined {
  if (!metricsRegistered(api)) return undefined
  const provider = api.metrics.getMeterProvider()
  let m = BY_PROVIDER.get(provider)
  if (!m) BY_PROVIDER.set(provider, (m = new Instruments(provider.getMeter('dbscope'))))
  return m
}
