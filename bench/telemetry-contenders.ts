/**
 * The telemetry contenders of bench/scope: db.scope with `telemetry: false`; with `@opentelemetry/api` installed and
 * no SDK registered; with the SDK registered (BatchSpanProcessor to a no-op exporter, a MeterProvider whose reader
 * exports to nowhere every minute); and, with BASELINE_SRC, another checkout's db.scope. Each is built in its own
 * process (see bench/scope); the URLs differ by a parameter that changes nothing here, as the engines are told apart by URL.
 */
import { context, metrics, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import type { Kysely } from 'kysely'
import { defineDb } from './dbscope.js'
import type { Contender, Spec } from './scope-contenders.js'

const noopSpans: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} }
const noopMetrics: PushMetricExporter = { export: (_m, done) => done({ code: 0 }), forceFlush: async () => {}, shutdown: async () => {} }

const TAGS = ['off', 'baseline', 'api', 'sdk']

/** The URL made distinct by a parameter the driver accepts and this workload never uses (mysql2 warns on others). */
function tagged(url: string, tag: string): string {
  const u = new URL(url)
  if (u.protocol.startsWith('postgres')) u.searchParams.set('dbscope_bench', tag)
  else u.searchParams.set('maxPreparedStatements', String(16_000 + TAGS.indexOf(tag)))
  return u.toString()
}

type DefineDb = typeof defineDb

function contender(name: string, define: DefineDb, url: string, pool: number, work: (tx: Kysely<any>) => Promise<unknown>, extra: object = {}): Contender {
  const db = define<any>({ url, pool: { max: pool }, guard: { budget: 'off' }, ...extra })
  return { name, run: () => db.scope((tx) => work(tx)) as Promise<void>, close: () => db.dispose() }
}

/** The SDK contender: the SDK is registered only while it is measured. */
function sdkContender(url: string, pool: number, work: (tx: Kysely<any>) => Promise<unknown>): Contender {
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopSpans)] })
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: noopMetrics, exportIntervalMillis: 60_000 })] })
  const contextManager = new AsyncLocalStorageContextManager()
  const sdk = contender('SDK, no-op exporter', defineDb, url, pool, work)
  return {
    ...sdk,
    before() {
      context.setGlobalContextManager(contextManager.enable())
      trace.setGlobalTracerProvider(tracerProvider)
      metrics.setGlobalMeterProvider(meterProvider)
    },
    after() {
      trace.disable()
      metrics.disable()
      context.disable()
    },
    async close() {
      await sdk.close()
      await tracerProvider.shutdown()
      await meterProvider.shutdown()
    },
  }
}

export async function telemetrySpecs(url: string, pool: number, work: (tx: Kysely<any>) => Promise<unknown>): Promise<Spec[]> {
  const out: Spec[] = [{ name: 'telemetry: false', make: () => contender('telemetry: false', defineDb, tagged(url, 'off'), pool, work, { telemetry: false }) }]
  if (process.env.BASELINE_SRC) {
    const baseline = (await import(process.env.BASELINE_SRC)) as { defineDb: DefineDb }
    out.push({ name: 'baseline checkout', make: () => contender('baseline checkout', baseline.defineDb, tagged(url, 'baseline'), pool, work) })
  }
  out.push({ name: 'API, no SDK', make: () => contender('API, no SDK', defineDb, tagged(url, 'api'), pool, work) })
  out.push({ name: 'SDK, no-op exporter', make: () => sdkContender(tagged(url, 'sdk'), pool, work) })
  return out
}
