/**
 * What one engine reports about its work: a span and a duration per statement (OpenTelemetry), Kysely log events
 * (`log`), a warning for a statement slower than `slowStatementMs`, and the pool's wait time and timeouts. An engine
 * has an observer only when one of these can be on, so with none of them a statement pays one property check; with
 * `@opentelemetry/api` installed but no SDK registered, it pays the `reporting` check and nothing else.
 *
 * @example
 * const observer = StatementObserver.for(engine) // undefined: nothing to report
 * const result = await observer.statement(checkout, q, undefined, () => raw.query(q.sql, q.parameters))
 */
import { Log, type CompiledQuery, type LogConfig } from 'kysely'
import type { Checkout } from '../checkout.js'
import type { ResolvedConfig } from '../config.js'
import type { Statement } from '../dialects/dialect.js'
import { PoolTimeoutError } from '../errors.js'
import { engineAttributes, poolName } from './attributes.js'
import { instrumentsOf, type Instruments, type ObservedPool } from './instruments.js'
import { otelApi, tracingRegistered, type Attributes, type OtelApi, type OtelSpan, type OtelTracer } from './otel-api.js'
import { ScopeSpan } from './scope-span.js'
import { slowStatementMessage } from './slow-statement.js'
import { spanName, statementName, type StatementName } from './statement-name.js'
import { errorAttributes } from './error-attributes.js'

/** What the observer needs of its engine. */
export interface ObservedEngine extends ObservedPool {
  readonly config: ResolvedConfig
  warn(message: string): void
}

/** One statement being observed: its start, and what it reports when it ends. */
interface Pending {
  readonly q: CompiledQuery
  readonly prefix: readonly Statement[] | undefined
  readonly start: number
  readonly name: StatementName | undefined
  readonly span: OtelSpan | undefined
  readonly instruments: Instruments | undefined
  readonly checkout: Checkout
}

export class StatementObserver {
  readonly #engine: ObservedEngine
  readonly #api: OtelApi | undefined
  readonly #tracer: OtelTracer | undefined
  readonly #attrs: Attributes
  #system: string
  /** A mysql:// URL may lead to MariaDB: the first connection's handshake tells (then `db.system.name` is mariadb). */
  #flavourPending: boolean
  /** The server attributes, when all of them are known (not for PGlite). */
  readonly #server: { readonly namespace: string; readonly address: string; readonly port: number } | undefined
  readonly #log: Log | undefined
  readonly #slowMs: number | undefined
  /** `db.client.connection.pool.name`, for the pool metrics. */
  readonly #poolAttrs: Attributes
  readonly #byName = new Map<string, Attributes>()
  #instruments: Instruments | undefined
  #stopPool: (() => void) | undefined

  private constructor(engine: ObservedEngine, api: OtelApi | undefined, log: LogConfig | undefined) {
    this.#engine = engine
    this.#api = api
    this.#tracer = api?.trace.getTracer('dbscope')
    this.#attrs = engineAttributes(engine.config)
    this.#system = this.#attrs['db.system.name'] as string
    this.#flavourPending = this.#system === 'mysql'
    const { 'db.namespace': namespace, 'server.address': address, 'server.port': port } = this.#attrs
    this.#server =
      typeof namespace === 'string' && typeof address === 'string' && typeof port === 'number' ? { namespace, address, port } : undefined
    this.#log = log === undefined ? undefined : new Log(log)
    this.#slowMs = engine.config.slowStatementMs
    this.#poolAttrs = { 'db.client.connection.pool.name': poolName(engine.config) }
  }

  /** The engine's observer, or undefined when nothing is to be reported (telemetry off or absent, no log, no slow). */
  static for(engine: ObservedEngine): StatementObserver | undefined {
    const c = engine.config
    const api = c.telemetry ? otelApi() : undefined
    if (!api && c.log === undefined && c.slowStatementMs === undefined) return undefined
    return new StatementObserver(engine, api, c.log)
  }

  /** The metric instruments, once an SDK has registered a meter provider; the pool is observed from then on. */
  #metrics(): Instruments | undefined {
    if (this.#instruments || !this.#api) return this.#instruments
    const m = instrumentsOf(this.#api)
    if (m) {
      this.#instruments = m
      this.#stopPool = m.observePool(this.#engine, this.#poolAttrs['db.client.connection.pool.name'] as string)
    }
    return m
  }

  /** Whether spans are recorded now: the API is loaded and an SDK registered a tracer provider. */
  get tracing(): boolean {
    return this.#api !== undefined && tracingRegistered(this.#api)
  }

  /**
   * Whether a statement sent now would be reported at all (a span, the duration metric, log events, the slow
   * warning): when not, the connection sends it without `statement()`'s wrapping.
   */
  get reporting(): boolean {
    return this.#log !== undefined || this.#slowMs !== undefined || this.tracing || this.#metrics() !== undefined
  }

  /**
   * Runs `send` (one statement, with the `prefix` statements — BEGIN, a scope's settings — in the same round trip)
   * and reports it: a span, the duration metric, log events for the prefix and the statement, a slow warning.
   */
  statement<R>(checkout: Checkout, q: CompiledQuery, prefix: readonly Statement[] | undefined, send: () => Promise<R>): Promise<R> {
    const p = this.#begin(checkout, q, prefix)
    return send().then(
      (r) => {
        this.#end(p, undefined, false)
        return r
      },
      (err: unknown) => {
        this.#end(p, err, false)
        throw err
      },
    )
  }

  /** A stream is one statement from its first chunk to its last (or its failure, or the reader stopping). */
  async *stream<R>(checkout: Checkout, q: CompiledQuery, chunks: AsyncIterableIterator<R>): AsyncIterableIterator<R> {
    const p = this.#begin(checkout, q, undefined)
    let failure: unknown
    try {
      yield* chunks
    } catch (err) {
      failure = err
      throw err
    } finally {
      this.#end(p, failure, true)
    }
  }

  /** Learns from a connection's handshake whether the server is MariaDB (once). */
  #learnFlavour(checkout: Checkout): void {
    const version = checkout.raw.serverVersion
    if (version === undefined) return
    this.#flavourPending = false
    if (!/mariadb/i.test(version)) return
    this.#system = this.#attrs['db.system.name'] = 'mariadb'
    this.#byName.clear()
  }

  /** `db.system.name`, as far as known now. */
  get system(): string {
    return this.#system
  }

  #begin(checkout: Checkout, q: CompiledQuery, prefix: readonly Statement[] | undefined): Pending {
    if (this.#flavourPending) this.#learnFlavour(checkout)
    const tracer = this.#tracer
    const span = tracer !== undefined && tracingRegistered(this.#api!)
    const instruments = this.#metrics()
    const name = span || instruments ? statementName(q) : undefined
    return {
      q,
      prefix,
      checkout,
      name,
      instruments,
      span: span ? tracer.startSpan(spanName(name!, this.#system), { kind: this.#api!.SpanKind.CLIENT, attributes: this.#spanAttributes(q, name!) }) : undefined,
      start: performance.now(),
    }
  }

  #spanAttributes(q: CompiledQuery, name: StatementName): Attributes {
    const s = this.#server
    const op = name.operation
    // Object literals of a fixed shape: a spread of the engine's attributes costs several times as much per span.
    if (s !== undefined && op !== undefined) {
      const coll = name.collection
      return coll === undefined
        ? { 'db.system.name': this.#system, 'db.namespace': s.namespace, 'server.address': s.address, 'server.port': s.port, 'db.operation.name': op, 'db.query.text': q.sql }
        : { 'db.system.name': this.#system, 'db.namespace': s.namespace, 'server.address': s.address, 'server.port': s.port, 'db.operation.name': op, 'db.collection.name': coll, 'db.query.text': q.sql }
    }
    const a: Attributes = { ...this.#attrs, 'db.query.text': q.sql }
    if (name.operation !== undefined) a['db.operation.name'] = name.operation
    if (name.collection !== undefined) a['db.collection.name'] = name.collection
    return a
  }

  #end(p: Pending, err: unknown, isStream: boolean): void {
    const ms = performance.now() - p.start
    const failed = err !== undefined
    const errAttrs = failed ? errorAttributes(err) : undefined
    if (p.span) {
      if (errAttrs) {
        for (const k in errAttrs) p.span.setAttribute(k, errAttrs[k]!)
        // No message: a server's message can quote a value ("invalid input syntax for type integer: …").
        p.span.setStatus({ code: this.#api!.SpanStatusCode.ERROR, message: String(errAttrs['error.type']) })
      }
      p.span.end()
    }
    if (p.instruments) p.instruments.operationDuration.record(ms / 1000, errAttrs ? { ...this.#metricAttributes(p.name!), ...errAttrs } : this.#metricAttributes(p.name!))
    if (this.#log) this.#logEvents(p, err, failed, ms, isStream)
    if (this.#slowMs !== undefined && ms > this.#slowMs && !isStream) {
      this.#engine.warn(slowStatementMessage(p.q.sql, ms, this.#slowMs, p.checkout.origin))
    }
  }

  /** The duration metric's attributes for a statement name: one object per name, reused. */
  #metricAttributes(name: StatementName): Attributes {
    const key = `${name.operation ?? ''} ${name.collection ?? ''}`
    let a = this.#byName.get(key)
    if (a === undefined) {
      a = { ...this.#attrs }
      if (name.operation !== undefined) a['db.operation.name'] = name.operation
      if (name.collection !== undefined) a['db.collection.name'] = name.collection
      // Bounded: raw SQL names itself by its first keyword, and tables are few; past this, no cache.
      if (this.#byName.size < 1_000) this.#byName.set(key, a)
    }
    return a
  }

  /** Kysely's events: the prefix (BEGIN) and the statement, or the statement's error. */
  #logEvents(p: Pending, err: unknown, failed: boolean, ms: number, isStream: boolean): void {
    const log = this.#log!
    const report = (e: unknown): void => this.#engine.warn(`The log function threw: ${e instanceof Error ? e.message : String(e)}`)
    if (p.prefix !== undefined && log.isLevelEnabled('query')) {
      for (const statement of p.prefix) {
        const query = { sql: statement.sql, parameters: statement.parameters, query: p.q.query, queryId: p.q.queryId } as CompiledQuery
        log.query(() => ({ level: 'query', query, queryDurationMillis: ms })).catch(report)
      }
    }
    if (failed) log.error(() => ({ level: 'error', error: err, query: p.q, queryDurationMillis: ms })).catch(report)
    else log.query(() => ({ level: 'query', isStream: isStream || undefined, query: p.q, queryDurationMillis: ms })).catch(report)
  }

  /** Times a wait for a pooled connection: the wait-time metric, a timeout counted, the wait added to the scope. */
  acquire(p: Promise<Checkout>): Promise<Checkout> {
    const m = this.#metrics()
    const scope = this.#tracer !== undefined ? ScopeSpan.active(this.#api!) : undefined
    if (!m && !scope) return p
    const start = performance.now()
    return p.then(
      (c) => {
        const s = (performance.now() - start) / 1000
        m?.waitTime.record(s, this.#poolAttrs)
        scope?.waited(s)
        return c
      },
      (err: unknown) => {
        if (err instanceof PoolTimeoutError) m?.timeouts.add(1, this.#poolAttrs)
        throw err
      },
    )
  }

  /** A connection handed out at once (an idle one): a wait of zero. */
  acquiredIdle(): void {
    this.#metrics()?.waitTime.record(0, this.#poolAttrs)
  }

  /** A span for an outermost scope, active while it runs; undefined when no spans are recorded. */
  scope(options: { isolation?: string | undefined; readOnly?: boolean | undefined }, fnName: string): ScopeSpan | undefined {
    if (!this.#tracer || !tracingRegistered(this.#api!)) return undefined
    return new ScopeSpan(this.#api!, this.#tracer, this.#attrs, options, fnName, () => this.#system)
  }

  /** Stops observing the pool (the engine was disposed). */
  dispose(): void {
    this.#stopPool?.()
    this.#stopPool = undefined
  }
}
