/**
 * The telemetry contenders of bench/scope: db.scope with `telemetry: false`; with `@opentelemetry/api` installed and
 * no SDK registered; with the SDK registered (BatchSpanProcessor to a no-op exporter, a MeterProvider whose reader
 * exports to nowhere every minute); and, with BASELINE_SRC, another checkout's db.scope. Each gets its own engine
 * (a query parameter that changes nothing here makes the URLs differ); the SDK is registered only while its contender runs.
 */
import { context, metrics, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import type { Kysely } from 'kysely'
import { defineDb } from '../src/index.js'
import type { Contender } from './scope.js'

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

export async function telemetryContenders(url: string, pool: number, work: (tx: Kysely<any>) => Promise<unknown>): Promise<Contender[]> {
  const out = [contender('telemetry: false', defineDb, tagged(url, 'off'), pool, work, { telemetry: false })]
  if (process.env.BASELINE_SRC) {
    const baseline = (await import(process.env.BASELINE_SRC)) as { defineDb: DefineDb }
    out.push(contender('baseline checkout', baseline.defineDb, tagged(url, 'baseline'), pool, work))
  }
  out.push(contender('API, no SDK', defineDb, tagged(url, 'api'), pool, work))
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopSpans)] })
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: noopMetrics, exportIntervalMillis: 60_000 })] })
  const contextManager = new AsyncLocalStorageContextManager()
  const sdk = contender('SDK, no-op exporter', defineDb, tagged(url, 'sdk'), pool, work)
  out.push({
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
  })
  return out
}
