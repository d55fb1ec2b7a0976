/**
 * The real OpenTelemetry SDK for a test file: an in-memory span exporter, a metric reader collected on demand, and
 * the AsyncLocalStorage context manager, registered globally before the file's dbs are defined and removed after.
 *
 * @example
 * const otel = useOtelSdk()
 * it('traces', async () => { …; expect(otel.spans().map((s) => s.name)).toContain('SELECT users') })
 */
import { context, metrics, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll } from 'vitest'

/** A reader that collects only when the test asks. */
class OnDemandReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

export interface OtelSdk {
  /** The spans ended so far. */
  spans(): ReadableSpan[]
  reset(): void
  /** Collects every metric now. */
  collect(): Promise<ResourceMetrics>
}

/** Registers the SDK globally for this file (before defineDb runs in it) and removes it after. */
export function useOtelSdk(): OtelSdk {
  const exporter = new InMemorySpanExporter()
  const reader = new OnDemandReader()
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }))
  })
  afterAll(() => {
    trace.disable()
    metrics.disable()
    context.disable()
  })
  return {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    collect: async () => (await reader.collect()).resourceMetrics,
  }
}

/** The data points of metric `name` across every scope. */
export function points(rm: ResourceMetrics, name: string): { attributes: Record<string, unknown>; value: any }[] {
  return rm.scopeMetrics.flatMap((s) => s.metrics.filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as any[]))
}

/** The parent span id of a span (SDK 2.x: parentSpanContext). */
export function parentId(s: ReadableSpan): string | undefined {
  return s.parentSpanContext?.spanId
}
