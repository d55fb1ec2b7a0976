/**
 * The request-scoped context: an AsyncLocalStorage holding the request id, so `log()` anywhere below a request
 * (route code, a db.scope hook) names the request without passing it along.
 *
 * @example
 * await runInContext({ requestId: 'r-1', method: 'GET', path: '/users' }, () => handle(req, res))
 * log('user created')   // {"requestId":"r-1","msg":"user created",…}
 */
import { AsyncLocalStorage } from 'node:async_hooks'

export interface RequestContext {
  readonly requestId: string
  readonly method: string
  readonly path: string
}

const storage = new AsyncLocalStorage<RequestContext>()

/** Runs `fn` with `ctx` as the current request's context. */
export function runInContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn)
}

/** The current request's context, or undefined outside a request. */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore()
}

/** One JSON log line on stdout, tagged with the current request id when there is one. */
export function log(msg: string, fields: Record<string, unknown> = {}): void {
  const requestId = storage.getStore()?.requestId
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...(requestId ? { requestId } : {}), msg, ...fields })}\n`)
}
