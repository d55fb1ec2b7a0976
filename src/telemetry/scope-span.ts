/**
 * The span of one outermost scope: a child of the span active where `db.scope` was called, and active itself while
 * the scope runs (through the OpenTelemetry context API), so that its statements — BEGIN to COMMIT, every retry
 * attempt — and the application's own spans inside the callback are its children. It records the isolation level,
 * readOnly, the outcome, the attempts and the time spent waiting for a connection.
 *
 * @example
 * const span = observer.scope({ isolation: 'serializable' }, 'transfer')
 * return span ? span.run(span.attempt(once)) : once()
 */
import type { Attributes, OtelApi, OtelContext, OtelSpan, OtelTracer } from './otel-api.js'
import { errorAttributes } from './error-attributes.js'

/** The scope span of each live scope, found from the span active in the context (for its connection wait). */
const LIVE = new WeakMap<OtelSpan, ScopeSpan>()

export class ScopeSpan {
  readonly #api: OtelApi
  readonly #span: OtelSpan
  readonly #context: OtelContext
  /** `db.system.name` at the end: MariaDB behind a mysql:// URL is known once a connection was opened. */
  readonly #system: () => string
  #attempts = 0
  #waitS = 0

  constructor(
    api: OtelApi,
    tracer: OtelTracer,
    engineAttrs: Attributes,
    options: { isolation?: string | undefined; readOnly?: boolean | undefined },
    fnName: string,
    system: () => string,
  ) {
    this.#api = api
    this.#system = system
    const attributes: Attributes = { ...engineAttrs, 'dbscope.scope.read_only': options.readOnly === true }
    if (options.isolation !== undefined) attributes['dbscope.scope.isolation'] = options.isolation
    if (fnName) attributes['code.function.name'] = fnName
    const parent = api.context.active()
    this.#span = tracer.startSpan('dbscope.scope', { kind: api.SpanKind.INTERNAL, attributes }, parent)
    this.#context = api.trace.setSpan(parent, this.#span)
    LIVE.set(this.#span, this)
  }

  /** The scope span active here (in the OpenTelemetry context), if any. */
  static active(api: OtelApi): ScopeSpan | undefined {
    const span = api.trace.getSpan(api.context.active())
    return span && LIVE.get(span)
  }

  /** Time spent waiting for a pooled connection. */
  waited(seconds: number): void {
    this.#waitS += seconds
  }

  /** `once` counted as an attempt, its failure recorded as an event (a retry follows when the error is retryable). */
  attempt<T>(once: () => Promise<T>): () => Promise<T> {
    return () => {
      const n = ++this.#attempts
      return once().catch((err: unknown) => {
        this.#span.addEvent('dbscope.scope.attempt_failed', { 'dbscope.scope.attempt': n, ...errorAttributes(err) })
        throw err
      })
    }
  }

  /** Runs the scope with this span active, and ends the span with the scope's outcome. */
  run<T>(scope: () => Promise<T>): Promise<T> {
    let work: Promise<T>
    try {
      work = this.#api.context.with(this.#context, scope)
    } catch (err) {
      work = Promise.reject(err)
    }
    return work.then(
      (value) => {
        this.#end(undefined)
        return value
      },
      (err: unknown) => {
        this.#end(err ?? new Error('undefined'))
        throw err
      },
    )
  }

  #end(err: unknown): void {
    const span = this.#span
    span.setAttribute('db.system.name', this.#system())
    span.setAttribute('dbscope.scope.outcome', err === undefined ? 'commit' : 'rollback')
    span.setAttribute('dbscope.scope.attempts', this.#attempts)
    span.setAttribute('dbscope.scope.wait_time', this.#waitS)
    if (err !== undefined) {
      const attrs = errorAttributes(err)
      for (const k in attrs) span.setAttribute(k, attrs[k]!)
      // The message is left out: a server's message can quote a value ("invalid input syntax for type integer: …").
      span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: String(attrs['error.type']) })
    }
    LIVE.delete(span)
    span.end()
  }
}
