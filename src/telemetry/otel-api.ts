/**
 * `@opentelemetry/api`, an optional peer: loaded once, the first time an engine asks, and only if it is installed.
 * Without it dbscope records nothing and costs nothing. The types below are the small part of the API dbscope uses,
 * written out so that an application without the package still type-checks against dbscope's declarations.
 *
 * @example
 * const api = otelApi() // undefined when @opentelemetry/api is not installed
 * if (api && tracingRegistered(api)) api.trace.getTracer('dbscope').startSpan('SELECT users')
 */
import { createRequire } from 'node:module'
import { callerFile } from '../caller-file.js'

export type Attributes = Record<string, string | number | boolean | undefined>

/** An OpenTelemetry context (opaque). */
export type OtelContext = object

export interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): this
  setStatus(status: { code: number; message?: string }): this
  addEvent(name: string, attributes?: Attributes): this
  isRecording(): boolean
  end(): void
}

export interface OtelTracer {
  startSpan(name: string, options?: { kind?: number; attributes?: Attributes }, context?: OtelContext): OtelSpan
}

export interface ObservableResult {
  observe(value: number, attributes?: Attributes): void
}
export interface Observable {
  addCallback(cb: (result: ObservableResult) => void): void
  removeCallback(cb: (result: ObservableResult) => void): void
}
export interface OtelMeter {
  createHistogram(name: string, options?: object): { record(value: number, attributes?: Attributes): void }
  createCounter(name: string, options?: object): { add(value: number, attributes?: Attributes): void }
  createObservableUpDownCounter(name: string, options?: object): Observable
}

/** The part of `@opentelemetry/api` that dbscope uses. */
export interface OtelApi {
  readonly trace: {
    getTracerProvider(): { getDelegate?(): unknown }
    getTracer(name: string, version?: string): OtelTracer
    setSpan(context: OtelContext, span: OtelSpan): OtelContext
    getSpan(context: OtelContext): OtelSpan | undefined
  }
  readonly context: {
    active(): OtelContext
    with<T>(context: OtelContext, fn: () => T): T
  }
  readonly metrics: {
    getMeterProvider(): { getMeter(name: string, version?: string): OtelMeter }
  }
  readonly ProxyTracerProvider: new () => { getDelegate(): unknown }
  readonly SpanKind: { readonly INTERNAL: number; readonly CLIENT: number }
  readonly SpanStatusCode: { readonly ERROR: number }
}

let loaded: OtelApi | null | undefined

/**
 * The installed `@opentelemetry/api`, or undefined. Loaded synchronously (once per process) so that the first
 * statement is traced too; the API keeps its registrations on `globalThis`, so this copy sees the SDK the
 * application registered through its own import of the package.
 */
export function otelApi(): OtelApi | undefined {
  if (loaded === undefined) {
    try {
      // callerFile(), not import.meta.url: this module is built as ESM and as CommonJS.
      loaded = createRequire(callerFile())('@opentelemetry/api') as OtelApi
    } catch {
      loaded = null
    }
  }
  return loaded ?? undefined
}

/** The provider the API hands out when no SDK is registered (compared by identity: one per API copy). */
const NOOP_DELEGATES = new WeakMap<OtelApi, unknown>()

/** Whether an SDK's tracer provider is registered: without one, no span is started at all. */
export function tracingRegistered(api: OtelApi): boolean {
  let noop = NOOP_DELEGATES.get(api)
  if (noop === undefined) NOOP_DELEGATES.set(api, (noop = new api.ProxyTracerProvider().getDelegate()))
  const provider = api.trace.getTracerProvider()
  return provider.getDelegate === undefined ? true : provider.getDelegate() !== noop
}

/** Whether an SDK's meter provider is registered (the API's own is a no-op one). */
export function metricsRegistered(api: OtelApi): boolean {
  return api.metrics.getMeterProvider().constructor.name !== 'NoopMeterProvider'
}
